import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './cli.js';

/** The reference load-balancer config users copy (deploy/nginx), as shipped. */
export const PLATFORM_REPLICAS_CONF = path.join(REPO_ROOT, 'deploy', 'nginx', 'platform-replicas.conf');

/** The template with its `${NAME}` placeholders filled in, as `envsubst` would. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const rendered = template.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => values[name] ?? whole);
  const missing = /\$\{([A-Z0-9_]+)\}/.exec(rendered);
  if (missing) throw new Error(`template: no value for ${missing[0]}`);
  return rendered;
}

export interface RunningNginx {
  child: ChildProcess;
  prefix: string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Our own nginx (no root needed, nothing of the system's nginx touched): `http` holds the server
 * configuration, wrapped in a main file with every temporary path inside a fresh prefix. Ready
 * once `readyUrl` answers at all (a redirect counts: it is not followed).
 */
export async function startNginx(http: string, readyUrl: string): Promise<RunningNginx> {
  const prefix = tempDir('streamgate-nginx-');
  fs.writeFileSync(path.join(prefix, 'site.conf'), http);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${prefix}/${name};`).join(' ');
  fs.writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `worker_processes 1;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  ${temp}\n  include ${prefix}/site.conf;\n}\n`,
  );
  // Its own process group: a worker left behind by a killed master is stopped with it.
  const child = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', `daemon off; pid ${prefix}/nginx.pid; error_log stderr warn;`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 3_000);
      await closed;
      clearTimeout(timer);
    }
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await fetch(readyUrl, { redirect: 'manual' }).then(() => true, () => false)) return { child, prefix, stderr: () => stderr, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`nginx did not start (apt-get install nginx-light):\n${stderr}`);
}
