// SQLite against PostgreSQL in the same run on the same machine: code validations through one
// platform replica and through two behind nginx (deploy/nginx's config), `tokens create` of 100k
// and 1M codes, and revocation-to-403 through an edge in proxy mode. Figures as ratios.
// Two replicas on one machine share its CPUs with nginx, the database and the load generator: their
// gain here says little about replicas on hosts of their own. STREAMGATE_BENCH_VALIDATIONS_ONLY=1
// measures the validations alone (the minutes of `tokens create` and revocations left out).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PLATFORM_REPLICAS_CONF, renderTemplate, startNginx } from '../test/helpers/nginx.js';
import { postgresBackend, sqliteBackend, type Backend } from './database-backends.js';
import { BIN, cli, freshDataDir, median, row, validationLoad } from './lib.js';

const DURATION_S = 10;
const CONNECTIONS = 50;
const CODES = 5_000;

interface Load {
  rps: number;
  p99: number;
  errors: number;
}

interface Figures {
  one: Load;
  oneBehindNginx: Load;
  two: Load;
  create100k: number;
  create1m: number;
  revocationMs: number[];
}

interface Serving {
  child: ChildProcess;
  stop(): Promise<void>;
}

function serve(service: string, dataDir: string, env: NodeJS.ProcessEnv): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'serve', service], { env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await closed;
  };
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (stderr += d).includes(`${service} listening`) && resolve({ child, stop }));
    void closed.then(() => reject(new Error(`serve ${service} exited: ${stderr}`)));
  });
}

/** Another host's data directory: its own folder, a copy of the first one's secret. */
function copyHost(from: string): string {
  const dir = fs.mkdtempSync(`${from}-host-`);
  fs.copyFileSync(path.join(from, 'secret'), path.join(dir, 'secret'));
  return dir;
}

async function validations(url: string, codes: string[]): Promise<Load> {
  const result = await validationLoad(url, codes, { connections: CONNECTIONS, duration: DURATION_S });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

interface ValidationStack {
  urls: Record<'one' | 'oneBehindNginx' | 'two', string>;
  codes: string[];
  stop(): Promise<void>;
}

/** Two replicas on one database, a balancer over both, and one over the first alone. */
async function validationStack(databaseUrl: string, port: number): Promise<ValidationStack> {
  const env = { DATABASE_URL: databaseUrl };
  const first = freshDataDir(env);
  const second = copyHost(first);
  const csv = cli(['tokens', 'create', '--event', 'bench', '--count', String(CODES)], first, env).stdout;
  const codes = csv.trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[0]!);
  const replicas = await Promise.all([
    serve('platform', first, { ...env, PLATFORM_PORT: String(port), STREAMGATE_TRUST_PROXY_HOPS: '1' }),
    serve('platform', second, { ...env, PLATFORM_PORT: String(port + 1), STREAMGATE_TRUST_PROXY_HOPS: '1' }),
  ]);
  const template = fs.readFileSync(PLATFORM_REPLICAS_CONF, 'utf8');
  const balance = (second: number, lb: number) =>
    startNginx(renderTemplate(template, { LB_LISTEN: `127.0.0.1:${lb}`, PLATFORM_1: `127.0.0.1:${port}`, PLATFORM_2: `127.0.0.1:${second}` }), `http://127.0.0.1:${lb}/healthz`);
  // The same replica listed twice: nginx's own cost, to tell it apart from the second replica's gain.
  const balancers = [await balance(port, port + 2), await balance(port + 1, port + 3)];
  return {
    urls: { one: `http://127.0.0.1:${port}`, oneBehindNginx: `http://127.0.0.1:${port + 2}`, two: `http://127.0.0.1:${port + 3}` },
    codes,
    async stop() {
      for (const balancer of balancers) await balancer.stop();
      for (const replica of replicas) await replica.stop();
      for (const dir of [first, second]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Both databases' stacks run side by side and are measured in turns (SQLite, PostgreSQL, for each
 * layout), so a machine whose load drifts during the run weighs on both alike.
 */
async function measureValidations(backends: Backend[], base: number): Promise<Pick<Figures, 'one' | 'oneBehindNginx' | 'two'>[]> {
  const stacks: ValidationStack[] = [];
  try {
    for (const [i, backend] of backends.entries()) stacks.push(await validationStack(await backend.fresh(), base + 50 + i * 100));
    const results = stacks.map(() => ({}) as Pick<Figures, 'one' | 'oneBehindNginx' | 'two'>);
    for (const layout of ['one', 'oneBehindNginx', 'two'] as const) {
      for (const [i, stack] of stacks.entries()) results[i]![layout] = await validations(stack.urls[layout], stack.codes);
    }
    return results;
  } finally {
    for (const stack of stacks) await stack.stop();
  }
}

function createSeconds(databaseUrl: string, count: number): number {
  const env = { DATABASE_URL: databaseUrl };
  const dataDir = freshDataDir(env);
  const { ms } = cli(['tokens', 'create', '--event', 'bench', '--count', String(count), '--out', path.join(dataDir, 'codes.csv')], dataDir, env);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return ms / 1000;
}

/** `streamgate tokens revoke CODE` started → a proxy edge (fed by an origin edge) answers 403, five times. */
async function revocationLatency(databaseUrl: string, port: number): Promise<number[]> {
  const platformUrl = `http://127.0.0.1:${port}`;
  const env = { DATABASE_URL: databaseUrl, PLATFORM_URL: platformUrl };
  const origin = freshDataDir(env);
  fs.mkdirSync(path.join(origin, 'hls', 'bench'), { recursive: true });
  fs.writeFileSync(path.join(origin, 'hls', 'bench', 'index.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nseg_00000.ts\n');
  const edgeHost = copyHost(origin);
  const running = [
    await serve('platform', origin, { ...env, PLATFORM_PORT: String(port) }),
    await serve('edge', origin, { ...env, EDGE_PORT: String(port + 1) }),
    await serve('edge', edgeHost, { ...env, EDGE_PORT: String(port + 2), EDGE_MODE: 'proxy', EDGE_ORIGIN_URL: `http://127.0.0.1:${port + 1}` }),
  ];
  try {
    await new Promise((r) => setTimeout(r, 1_000)); // the edges' feed streams connect
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const code = cli(['tokens', 'create', '--event', 'bench', '--count', '1'], origin, env).stdout.trim().split(/\r?\n/)[1]!.split(',')[0]!;
      const grant = (await (await fetch(`${platformUrl}/api/tokens/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, deviceId: `bench-device-${i}` }),
      })).json()) as { token: string };
      const status = () => fetch(`http://127.0.0.1:${port + 2}/streams/bench/index.m3u8`, { headers: { Authorization: `Bearer ${grant.token}` } }).then((r) => r.status);
      if ((await status()) !== 200) throw new Error('the proxy edge refused a fresh token');
      const started = performance.now();
      const revoke = spawn(process.execPath, [BIN, 'tokens', 'revoke', code], { env: { ...process.env, STREAMGATE_DATA_DIR: origin, ...env }, stdio: 'ignore' });
      const revoked = new Promise((r) => revoke.on('close', r));
      while ((await status()) !== 403) {
        if (performance.now() - started > 5_000) throw new Error('the revocation never reached the proxy edge');
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(performance.now() - started);
      await revoked;
    }
    return latencies;
  } finally {
    for (const service of running.reverse()) await service.stop();
    for (const dir of [origin, edgeHost]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const LAYOUTS = { one: 'one replica', oneBehindNginx: 'one replica behind nginx', two: 'two replicas behind nginx' } as const;
const load = (l: Load) => `${l.rps.toFixed(0)} req/s, p99 ${l.p99} ms${l.errors ? ` (${l.errors} errors)` : ''}`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

export async function benchDatabases(): Promise<void> {
  console.log('\n## SQLite vs PostgreSQL; one platform replica vs two behind nginx (bench/databases)');
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const backends = [sqliteBackend(), await postgresBackend()];
  const loadAtStart = os.loadavg()[0]!;
  const figures: Figures[] = [];
  try {
    // Each measurement for both databases in turn, as for the validations.
    const validated = await measureValidations(backends, base);
    if (process.env.STREAMGATE_BENCH_VALIDATIONS_ONLY === '1') {
      for (const [i, v] of validated.entries()) for (const layout of ['one', 'oneBehindNginx', 'two'] as const) row(`${backends[i]!.name}: validate, ${LAYOUTS[layout]}`, load(v[layout]));
      row('ratio PostgreSQL / SQLite: validations/s, one replica (goal ≥ 0.7)', ratio(validated[1]!.one.rps, validated[0]!.one.rps));
      row(`load average at start / end (${os.availableParallelism()} CPUs)`, `${loadAtStart.toFixed(1)} / ${os.loadavg()[0]!.toFixed(1)}`);
      return;
    }
    const create100k = [];
    for (const backend of backends) create100k.push(createSeconds(await backend.fresh(), 100_000));
    const create1m = [];
    for (const backend of backends) create1m.push(createSeconds(await backend.fresh(), 1_000_000));
    const revocationMs = [];
    for (const [i, backend] of backends.entries()) revocationMs.push(await revocationLatency(await backend.fresh(), base + 10 + i * 100));
    for (const i of backends.keys()) figures.push({ ...validated[i]!, create100k: create100k[i]!, create1m: create1m[i]!, revocationMs: revocationMs[i]! });
  } finally {
    for (const backend of backends) await backend.close();
  }
  const [s, p] = figures as [Figures, Figures];
  for (const [i, f] of figures.entries()) {
    const name = backends[i]!.name;
    for (const layout of ['one', 'oneBehindNginx', 'two'] as const) row(`${name}: validate, ${LAYOUTS[layout]}`, load(f[layout]));
    row(`${name}: tokens create --count 100000 / 1000000 --out`, `${f.create100k.toFixed(2)} s / ${f.create1m.toFixed(2)} s`);
    row(`${name}: revoke started → proxy edge 403 (median of 5, max)`, `${median(f.revocationMs).toFixed(0)} ms (max ${Math.max(...f.revocationMs).toFixed(0)})`);
  }
  row('ratio PostgreSQL / SQLite: validations/s, one replica (goal ≥ 0.7)', ratio(p.one.rps, s.one.rps));
  row('ratio PostgreSQL / SQLite: validations/s, two replicas', ratio(p.two.rps, s.two.rps));
  row('ratio two replicas / one behind nginx: SQLite, PostgreSQL', `${ratio(s.two.rps, s.oneBehindNginx.rps)}, ${ratio(p.two.rps, p.oneBehindNginx.rps)}`);
  row('ratio PostgreSQL / SQLite: tokens create 100k, 1M (time)', `${ratio(p.create100k, s.create100k)}, ${ratio(p.create1m, s.create1m)}`);
  row('ratio PostgreSQL / SQLite: revocation latency (median)', ratio(median(p.revocationMs), median(s.revocationMs)));
  // On a busy machine every figure above is mostly the other work's: say so next to them.
  row(`load average at start / end (${os.availableParallelism()} CPUs)`, `${loadAtStart.toFixed(1)} / ${os.loadavg()[0]!.toFixed(1)}`);
}
