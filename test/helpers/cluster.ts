import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, runCli, tempDir, type CliResult } from './cli.js';
import { PLATFORM_REPLICAS_CONF, renderTemplate, startNginx } from './nginx.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { testDatabaseKind } from './test-database.js';

/**
 * One machine playing the hosts of docs/scaling.md, each on its own loopback address (all of
 * 127/8 is loopback on Linux). PostgreSQL, when used, listens on 127.0.0.1.
 */
export const HOSTS = {
  loadBalancer: '127.0.0.2',
  platform1: '127.0.0.3',
  platform2: '127.0.0.4',
  ingest: '127.0.0.5',
  edge1: '127.0.0.6',
  edge2: '127.0.0.7',
} as const;

/** The edges' public name: viewers (and a CDN) resolve it to one of the proxy edges. */
export const EDGE_NAME = 'edge.cluster.test';

export type PlatformHost = 'platform1' | 'platform2';

export interface ClusterProcess {
  name: string;
  child: ChildProcess;
  stderr(): string;
  closed: Promise<number | null>;
  /** SIGKILL: a crash, no chance to clean up. */
  crash(): Promise<void>;
}

export interface Cluster {
  database: 'sqlite' | 'postgres';
  databaseUrl: string;
  /** The dedicated PostgreSQL of this cluster, null on SQLite. */
  postgres: PostgresCluster | null;
  /** The load balancer: the platform's public address. */
  platformUrl: string;
  /** What players are given: http://edge.cluster.test:PORT. */
  edgePublicUrl: string;
  /** The two proxy edges, by address. */
  edgeUrls: [string, string];
  originEdgeUrl: string;
  rtmpUrl: string;
  platforms: Record<PlatformHost, ClusterProcess>;
  /** A Chromium flag sending the edges' public name to proxy edge `index` (0 or 1), as DNS would. */
  edgeResolverRule(index: 0 | 1): string;
  /** `streamgate ARGS` on one platform host, with its data directory and the shared database. */
  cli(args: string[], host?: PlatformHost): Promise<CliResult>;
  /** Every process's stderr so far, each line tagged with its host. */
  logs(): string;
}

/** A port free on every one of `hosts` right now (the proxy edges share one public port). */
async function freePort(...hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const servers: net.Server[] = [];
    let port = 0;
    try {
      for (const host of hosts) {
        const server = net.createServer();
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, resolve);
        });
        port = (server.address() as net.AddressInfo).port;
      }
      return port;
    } catch {
      // taken on a later address: try another
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}

/** A host's own data directory: a copy of data/secret (pepper and keyring), its own HLS folder. */
function hostDataDir(root: string, host: string, secretFrom: string): string {
  const dir = path.join(root, host, 'data');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.copyFileSync(path.join(secretFrom, 'secret'), path.join(dir, 'secret'));
  fs.chmodSync(path.join(dir, 'secret'), 0o600);
  return dir;
}

/**
 * Starts the whole layout: one database (in the PostgreSQL pass a server of its own, else one
 * SQLite file); two `serve platform` replicas behind nginx with deploy/nginx's config; the ingest
 * host running `serve ingest` and a local edge as origin; two `serve edge` in proxy mode. Every
 * process (and nginx, and PostgreSQL) is stopped when the test ends, whatever happened.
 */
export async function startCluster(t: { after(fn: () => unknown): void }): Promise<Cluster> {
  const database = testDatabaseKind();
  const root = tempDir('streamgate-cluster-');
  const stops: (() => unknown)[] = [];
  // Hooks run in order: processes first, then the database, then the folders they wrote in.
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });
  const logLines: string[] = [];
  let postgres: PostgresCluster | null = null;
  let databaseUrl: string;
  if (database === 'postgres') {
    // Its own server, not the suite's: this test restarts it.
    postgres = await startPostgresCluster();
    stops.push(() => postgres!.remove());
    databaseUrl = postgres.url;
  } else {
    fs.mkdirSync(path.join(root, 'db'), { mode: 0o700 });
    databaseUrl = `sqlite:${path.join(root, 'db', 'streamgate.db')}`;
  }

  const [lbPort, platformPort1, platformPort2, rtmpPort, originPort, edgePort] = await Promise.all([
    freePort(HOSTS.loadBalancer), freePort(HOSTS.platform1), freePort(HOSTS.platform2),
    freePort(HOSTS.ingest), freePort(HOSTS.ingest), freePort(HOSTS.edge1, HOSTS.edge2),
  ]);
  const platformUrl = `http://${HOSTS.loadBalancer}:${lbPort}`;
  const edgePublicUrl = `http://${EDGE_NAME}:${edgePort}`;
  const originEdgeUrl = `http://${HOSTS.ingest}:${originPort}`;
  const shared = { DATABASE_URL: databaseUrl, PLATFORM_URL: platformUrl, EDGE_PUBLIC_URL: edgePublicUrl, NO_COLOR: '1' };

  const firstDir = path.join(root, 'platform1', 'data');
  const cli = (args: string[], host: PlatformHost = 'platform1') => runCli(args, { dataDir: path.join(root, host, 'data'), env: shared });
  for (const args of [['init', '--yes'], ['events', 'create', '--title', 'Conf', '--id', 'conf']]) {
    const result = await cli(args);
    if (result.code !== 0) throw new Error(`streamgate ${args.join(' ')} failed: ${result.stderr}`);
  }
  const dirs = {
    platform2: hostDataDir(root, 'platform2', firstDir),
    ingest: hostDataDir(root, 'ingest', firstDir),
    edge1: hostDataDir(root, 'edge1', firstDir),
    edge2: hostDataDir(root, 'edge2', firstDir),
  };

  const start = (name: string, service: string, env: Record<string, string>, ready: RegExp) =>
    startProcess(name, ['serve', service], { ...shared, ...env }, ready, logLines, stops);
  const platform = (host: PlatformHost, dataDir: string, port: number) =>
    start(host, 'platform', { STREAMGATE_DATA_DIR: dataDir, STREAMGATE_HOST: HOSTS[host], PLATFORM_PORT: String(port), STREAMGATE_TRUST_PROXY_HOPS: '1' }, /platform listening/);
  const [platform1, platform2] = await Promise.all([platform('platform1', firstDir, platformPort1), platform('platform2', dirs.platform2, platformPort2)]);

  const site = renderTemplate(fs.readFileSync(PLATFORM_REPLICAS_CONF, 'utf8'), {
    LB_LISTEN: `${HOSTS.loadBalancer}:${lbPort}`,
    PLATFORM_1: `${HOSTS.platform1}:${platformPort1}`,
    PLATFORM_2: `${HOSTS.platform2}:${platformPort2}`,
  });
  const nginx = await startNginx(site, `${platformUrl}/healthz`);
  stops.push(() => nginx.stop());

  const ingestHost = { STREAMGATE_DATA_DIR: dirs.ingest, STREAMGATE_HOST: HOSTS.ingest, INGEST_RECONNECT_GRACE_SECONDS: '1' };
  const proxyEdge = (host: 'edge1' | 'edge2') =>
    start(host, 'edge', { STREAMGATE_DATA_DIR: dirs[host], STREAMGATE_HOST: HOSTS[host], EDGE_PORT: String(edgePort), EDGE_MODE: 'proxy', EDGE_ORIGIN_URL: originEdgeUrl }, /edge listening/);
  await Promise.all([
    start('ingest', 'ingest', { ...ingestHost, RTMP_PORT: String(rtmpPort) }, /ingest listening/),
    start('origin-edge', 'edge', { ...ingestHost, EDGE_PORT: String(originPort) }, /edge listening/),
    proxyEdge('edge1'),
    proxyEdge('edge2'),
  ]);

  return {
    database,
    databaseUrl,
    postgres,
    platformUrl,
    edgePublicUrl,
    edgeUrls: [`http://${HOSTS.edge1}:${edgePort}`, `http://${HOSTS.edge2}:${edgePort}`],
    originEdgeUrl,
    rtmpUrl: `rtmp://${HOSTS.ingest}:${rtmpPort}/live`,
    platforms: { platform1, platform2 },
    edgeResolverRule: (index) => `--host-resolver-rules=MAP ${EDGE_NAME} ${index === 0 ? HOSTS.edge1 : HOSTS.edge2}`,
    cli,
    logs: () => [...logLines, ...nginx.stderr().split('\n').filter(Boolean).map((l) => `[nginx] ${l}`)].join('\n'),
  };
}

/**
 * `streamgate ARGS` in its own process group (so the FFmpeg an ingest starts dies with it), ready
 * once stderr matches `ready`. Killed with SIGKILL when the test ends.
 */
async function startProcess(name: string, args: string[], env: Record<string, string>, ready: RegExp, logLines: string[], stops: (() => unknown)[]): Promise<ClusterProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const crash = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await closed;
  };
  stops.push(crash);
  child.stderr!.on('data', (d) => {
    stderr += d;
    logLines.push(...String(d).split('\n').filter(Boolean).map((line) => `[${name}] ${line}`));
  });
  const started = await new Promise<boolean>((resolve) => {
    child.stderr!.on('data', () => ready.test(stderr) && resolve(true));
    void closed.then(() => resolve(false));
  });
  if (!started) throw new Error(`${name}: streamgate ${args.join(' ')} exited early:\n${stderr}`);
  return { name, child, stderr: () => stderr, closed, crash };
}
