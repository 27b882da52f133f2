// Revocation push across replicas on PostgreSQL: two `serve platform` processes on one database,
// one `serve edge` connected to each. Each revocation goes through one replica's admin API
// (alternately), and both edges are polled until they refuse that code's token: the time from the
// API's answer (the commit) to the first 403 at each edge. Needs STREAMGATE_BENCH_POSTGRES_URL
// (a server where it may create and drop a database).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BIN, percentile, row } from './lib.js';

const REVOCATIONS = 50;

function streamgate(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`streamgate ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

async function serve(service: 'platform' | 'edge', env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'serve', service], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve ${service} did not start`)), 20_000);
    child.stderr!.on('data', (d) => {
      if (String(d).includes(`${service} listening`)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function statusOf(edgeUrl: string, token: string): Promise<number> {
  return (await fetch(`${edgeUrl}/streams/bench/index.m3u8`, { headers: { Authorization: `Bearer ${token}` } })).status;
}

/** Polls the edge until it refuses the token; the time of the first 403. */
async function refusedAt(edgeUrl: string, token: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await statusOf(edgeUrl, token)) === 403) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('the edge never refused a revoked code');
}

export async function benchRevocationPush(): Promise<void> {
  console.log('\n## revocation push across replicas, PostgreSQL (bench/revocation-push)');
  const server = process.env.STREAMGATE_BENCH_POSTGRES_URL;
  if (!server) {
    row('revocation → edge 403, two replicas', 'skipped: set STREAMGATE_BENCH_POSTGRES_URL');
    return;
  }
  const name = `streamgate_bench_push_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${name}` }).toString();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-bench-'));
  const children: ChildProcess[] = [];
  try {
    const env = { STREAMGATE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
    streamgate(['init', '--yes'], env);
    streamgate(['events', 'create', '--title', 'Bench', '--id', 'bench'], env);
    const codes = (JSON.parse(streamgate(['tokens', 'create', '--event', 'bench', '--count', String(REVOCATIONS), '--json'], env)) as { code: string }[]).map((c) => c.code);
    const apiKey = (JSON.parse(streamgate(['apikeys', 'create', '--name', 'bench', '--json'], env)) as { key: string }).key;
    fs.mkdirSync(path.join(dataDir, 'hls', 'bench'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'hls', 'bench', 'index.m3u8'), '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n');

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const platforms = [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`];
    const edges = [`http://127.0.0.1:${port + 2}`, `http://127.0.0.1:${port + 3}`];
    for (const i of [0, 1]) {
      await serve('platform', { ...env, PLATFORM_PORT: String(port + i) }, children);
      await serve('edge', { ...env, EDGE_PORT: String(port + 2 + i), PLATFORM_URL: platforms[i] }, children);
    }
    const tokens: string[] = [];
    for (const [i, code] of codes.entries()) {
      const response = await fetch(`${platforms[i % 2]}/api/tokens/validate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code, deviceId: `bench-device-${i}` }),
      });
      tokens.push(((await response.json()) as { token: string }).token);
    }
    for (const edge of edges) if ((await statusOf(edge, tokens[0]!)) !== 200) throw new Error(`${edge} does not serve a valid token`);
    // Let both edges' feed streams settle on their replicas.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const sameReplica: number[] = [];
    const otherReplica: number[] = [];
    for (const [i, code] of codes.entries()) {
      const through = i % 2;
      const response = await fetch(`${platforms[through]}/api/admin/tokens/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ codes: [code] }),
      });
      if (!response.ok) throw new Error(`revoke answered ${response.status}`);
      const committed = performance.now();
      const at = await Promise.all(edges.map((edge) => refusedAt(edge, tokens[i]!)));
      sameReplica.push(at[through]! - committed);
      otherReplica.push(at[1 - through]! - committed);
    }
    const show = (values: number[]) => `p50 ${percentile(values, 50).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
    row(`${REVOCATIONS} revocations → 403 at the edge of the same replica`, show(sameReplica));
    row(`${REVOCATIONS} revocations → 403 at the edge of the other replica`, `${show(otherReplica)} (goal: max < 1000 ms)`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.on('close', resolve)) : null)));
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
