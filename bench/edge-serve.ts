// Edge throughput against nginx serving the same files without auth (same run, same machine),
// and against the edge's own serving path without the token check; token checks per second on
// a hot and a cold cache; revocation latency from `streamgate tokens revoke` to a 403 at the edge.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { signPlaybackToken, verifyPlaybackToken } from '../src/core/playback-token.js';
import { loadKeyring } from '../src/core/secret-store.js';
import { RevocationList } from '../src/edge/revocation-list.js';
import { VerifiedTokenCache } from '../src/edge/token-cache.js';
import { BIN, REPO_ROOT, cli, freshDataDir, median, row } from './lib.js';
import { startNginx, stopChild, waitForOutput } from './nginx.js';

const WRK_SECONDS = 8;
const CONNECTIONS = 32;

function wrk(url: string, token?: string): { rps: number; latency: string } {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${WRK_SECONDS}s`, '--latency', ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), url];
  const out = spawnSync('wrk', args, { encoding: 'utf8' }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99 = /99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  if (!/\s200\b|Non-2xx/.test(out) && rps === 0) throw new Error(`wrk failed: ${out}`);
  if (/Non-2xx or 3xx responses: (\d+)/.test(out)) throw new Error(`wrk saw errors at ${url}: ${out}`);
  return { rps, latency: p99 };
}

export async function benchEdgeServe(): Promise<void> {
  console.log('\n## edge: gated HLS delivery (bench/edge-serve)');
  const dataDir = freshDataDir();
  const hlsRoot = path.join(dataDir, 'hls');
  fs.mkdirSync(path.join(hlsRoot, 'bench'), { recursive: true });
  fs.writeFileSync(path.join(hlsRoot, 'bench', 'seg_00001.ts'), randomBytes(1024 * 1024), { mode: 0o644 });
  fs.writeFileSync(
    path.join(hlsRoot, 'bench', 'index.m3u8'),
    `#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n${Array.from({ length: 30 }, (_, i) => `#EXTINF:2.000,\nseg_${String(i).padStart(5, '0')}.ts`).join('\n')}\n`,
    { mode: 0o644 },
  );
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir });
  const keyring = loadKeyring(config);
  const token = signPlaybackToken(keyring.current, { codeId: 'benchcode', eventId: 'bench', sessionId: 'benchsession' }, Date.now(), 900).token;
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const children: ChildProcess[] = [];
  try {
    const nginx = await startNginx(hlsRoot, base, '/streams/bench/index.m3u8');
    children.push(nginx);
    const edge = spawn(process.execPath, [BIN, 'serve', 'edge'], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, EDGE_PORT: String(base + 1), PLATFORM_URL: `http://127.0.0.1:${base + 3}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(edge);
    await waitForOutput(edge, 'stderr', 'edge listening');
    const plain = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', 'fixtures', 'static-server.js'), hlsRoot, String(base + 2)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(plain);
    await waitForOutput(plain, 'stdout', 'ready');

    for (const [name, file, goal] of [['1 MiB segment', 'seg_00001.ts', 0.8], ['playlist', 'index.m3u8', 0.5]] as const) {
      const n = wrk(`http://127.0.0.1:${base}/streams/bench/${file}`);
      const e = wrk(`http://127.0.0.1:${base + 1}/streams/bench/${file}`, token);
      const p = wrk(`http://127.0.0.1:${base + 2}/streams/bench/${file}`);
      row(`${name}: nginx 1 worker, no auth (baseline)`, `${n.rps.toFixed(0)} req/s, p99 ${n.latency}`);
      row(`${name}: edge without the token check (Express sendFile)`, `${p.rps.toFixed(0)} req/s, p99 ${p.latency}`);
      row(`${name}: streamgate edge, JWT + revocation check`, `${e.rps.toFixed(0)} req/s, p99 ${e.latency}`);
      row(`${name}: ratio edge / nginx (goal ≥ ${goal})`, `${(e.rps / n.rps).toFixed(2)}×`);
      row(`${name}: ratio edge / edge without auth`, `${(e.rps / p.rps).toFixed(2)}×`);
    }
  } finally {
    for (const child of children) await stopChild(child);
  }

  // Token checks in-process: what a request costs before any file I/O.
  const list = new RevocationList(900_000);
  const cache = new VerifiedTokenCache();
  const N = 200_000;
  let t0 = performance.now();
  for (let i = 0; i < 20_000; i++) verifyPlaybackToken(token, keyring, Date.now(), 900);
  const coldUs = ((performance.now() - t0) * 1000) / 20_000;
  cache.set(token, verifyPlaybackToken(token, keyring, Date.now(), 900));
  t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const claims = cache.get(token, Date.now()) ?? verifyPlaybackToken(token, keyring, Date.now(), 900);
    if (list.isRevoked(claims)) throw new Error('unexpected');
  }
  const hotUs = ((performance.now() - t0) * 1000) / N;
  row('token check, cold (HMAC verify every time)', `${coldUs.toFixed(2)} µs (${(1e6 / coldUs).toFixed(0)}/s)`);
  row('token check, hot (cache lookup + revocation check; goal ≤ 3 µs)', `${hotUs.toFixed(3)} µs (${(1e6 / hotUs).toFixed(0)}/s)`);
  row('ratio cold / hot', `${(coldUs / hotUs).toFixed(0)}×`);

  await benchRevocationLatency(dataDir, base + 10);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** `streamgate tokens revoke CODE` started → the edge answers 403, five times. */
async function benchRevocationLatency(dataDir: string, port: number): Promise<void> {
  const env = { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(port), PLATFORM_URL: `http://127.0.0.1:${port}`, EDGE_PORT: String(port + 1) };
  const server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await waitForOutput(server, 'stderr', 'edge listening');
    await new Promise((r) => setTimeout(r, 500)); // let the edge's feed stream connect
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const code = cli(['tokens', 'create', '--event', 'bench', '--count', '1'], dataDir).stdout.trim().split(/\r?\n/)[1]!.split(',')[0]!;
      const grant: { token: string } = await (
        await fetch(`http://127.0.0.1:${port}/api/tokens/validate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code, deviceId: `bench-device-${i}` }),
        })
      ).json() as { token: string };
      const status = () => fetch(`http://127.0.0.1:${port + 1}/streams/bench/index.m3u8`, { headers: { Authorization: `Bearer ${grant.token}` } }).then((r) => r.status);
      if ((await status()) !== 200) throw new Error('the edge refused a fresh token');
      const started = performance.now();
      const revoke = spawn(process.execPath, [BIN, 'tokens', 'revoke', code], { env, stdio: 'ignore' });
      const revoked = new Promise((r) => revoke.on('close', r)); // before it can exit unheard
      while ((await status()) !== 403) {
        if (performance.now() - started > 5_000) throw new Error('the revocation never reached the edge');
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(performance.now() - started);
      await revoked;
    }
    row('revocation: CLI revoke started → edge 403 (median of 5; goal ≤ 250, must ≤ 1000)', `${median(latencies).toFixed(0)} ms (max ${Math.max(...latencies).toFixed(0)})`);
  } finally {
    await stopChild(server);
  }
}
