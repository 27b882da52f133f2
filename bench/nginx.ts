import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * nginx serving `hlsRoot` at /streams/ without auth, the baseline every edge figure is measured
 * against in the same run. It reads a copy made readable to its `nobody` workers, since
 * StreamGate keeps its data directory 0700 (serve tightens it again).
 */
export async function startNginx(hlsRoot: string, port: number, probePath: string): Promise<ChildProcess> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-nginx-'));
  const root = path.join(prefix, 'hls');
  fs.cpSync(hlsRoot, root, { recursive: true });
  for (const dir of [root, ...fs.readdirSync(root).map((d) => path.join(root, d))]) {
    if (fs.statSync(dir).isDirectory()) fs.chmodSync(dir, 0o755);
    for (const file of fs.statSync(dir).isDirectory() ? fs.readdirSync(dir) : []) fs.chmodSync(path.join(dir, file), 0o755);
  }
  fs.chmodSync(prefix, 0o755);
  fs.writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /streams/ { alias ${root}/; }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}${probePath}`).then((r) => r.ok).catch(() => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopChild(child);
  throw new Error(`nginx did not start (apt-get install nginx-light); see ${prefix}/error.log`);
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on('close', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resolves once the child has written `text` on `stream`; rejects if it exits first. */
export function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child[stream]!.on('data', (d) => (seen += d).includes(text) && resolve());
    child.on('close', (code) => reject(new Error(`exited ${code}: ${seen}`)));
  });
}
