import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { publishTestPattern, type TestPatternOptions } from '../../src/ingest/test-pattern.js';
import { BIN, codesFromCsv, initialisedDataDir, json, runCli, tempDir } from './cli.js';
import { testDatabaseEnv } from './test-database.js';

/**
 * Three ports nobody listens on right now: the kernel's picks, all held at once so they differ,
 * then released for the service to take.
 */
async function freePorts(): Promise<[number, number, number]> {
  const servers = [net.createServer(), net.createServer(), net.createServer()];
  await Promise.all(servers.map((server) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  })));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports as [number, number, number];
}

/** Environment putting the three services on free ports of 127.0.0.1, with the URLs to match. */
export async function freePortEnv() {
  const [platform, edge, rtmp] = await freePorts();
  return {
    PLATFORM_PORT: String(platform),
    EDGE_PORT: String(edge),
    RTMP_PORT: String(rtmp),
    PLATFORM_URL: `http://127.0.0.1:${platform}`,
    EDGE_PUBLIC_URL: `http://127.0.0.1:${edge}`,
  };
}

export interface ServingProcess {
  child: ChildProcess;
  ports: Awaited<ReturnType<typeof freePortEnv>>;
  stderr(): string;
  closed: Promise<number | null>;
}

/**
 * `streamgate ARGS` on free ports, resolved once its stderr matches `ready`. A released port can be
 * taken by another test file before the service binds it; that start is retried on new ports, up to
 * three times. Any other early exit fails the test.
 */
export async function spawnOnFreePorts(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ServingProcess> {
  // In the PostgreSQL pass, the data directory's own database (test-database.ts).
  const database = env.STREAMGATE_DATA_DIR ? await testDatabaseEnv(env.STREAMGATE_DATA_DIR) : {};
  for (let attempt = 1; ; attempt++) {
    const ports = await freePortEnv();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...ports, ...database, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const started = await new Promise<boolean>((resolve) => {
      child.stderr!.on('data', (d) => ready.test((stderr += d)) && resolve(true));
      void closed.then(() => resolve(false));
    });
    if (started) return { child, ports, stderr: () => stderr, closed };
    if (!/EADDRINUSE|in use/.test(stderr) || attempt === 3) throw new Error(`streamgate ${args.join(' ')} exited early:\n${stderr}`);
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Appliance {
  dataDir: string;
  platformUrl: string;
  edgeUrl: string;
  rtmpUrl: string;
  /** Everything the services wrote to stderr so far. */
  logs(): string;
  streamKey(eventId?: string): Promise<string>;
  status(eventId?: string): Promise<string>;
  codes(count: number, eventId?: string): Promise<string[]>;
  /** A playback JWT for a fresh code, as the player gets it. */
  token(eventId?: string): Promise<string>;
  playlist(eventId?: string): string;
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, with no chance to clean up. */
  crash(): Promise<void>;
  /** The TCP ports the process listens on, from /proc (its socket inodes in LISTEN state). */
  listeningPorts(): number[];
}

/**
 * The real binary, `streamgate serve` (platform, edge and ingest in one process), on free ports of
 * 127.0.0.1 with a fresh data directory holding the event "conf". Stopped when the test ends.
 */
export async function startAppliance(t: { after(fn: () => unknown): void }, env: NodeJS.ProcessEnv = {}, existingDataDir?: string): Promise<Appliance> {
  // The data directory goes only once the process writing into it has gone (after hooks run in order).
  const removals: (() => unknown)[] = [];
  const dataDir = existingDataDir ?? (await initialisedDataDir({ after: (fn) => removals.push(fn) }));
  const serving = await spawnOnFreePorts(['serve'], { STREAMGATE_DATA_DIR: dataDir, INGEST_RECONNECT_GRACE_SECONDS: '1', ...env }, /ingest listening/);
  const { child, ports, closed } = serving;
  const platformUrl = ports.PLATFORM_URL;
  t.after(async () => {
    child.kill('SIGKILL');
    await closed;
    await killProcessesWritingTo(dataDir);
    for (const remove of removals) await remove();
  });
  const cli = (args: string[]) => runCli(args, { dataDir, env: ports });
  const appliance: Appliance = {
    dataDir,
    platformUrl,
    edgeUrl: ports.EDGE_PUBLIC_URL,
    rtmpUrl: `rtmp://127.0.0.1:${ports.RTMP_PORT}/live`,
    logs: serving.stderr,
    streamKey: async (eventId = 'conf') => json(await cli(['events', 'show', eventId, '--json'])).streamKey,
    status: async (eventId = 'conf') => json(await cli(['events', 'show', eventId, '--json'])).status,
    codes: async (count, eventId = 'conf') => codesFromCsv((await cli(['tokens', 'create', '--event', eventId, '--count', String(count)])).stdout),
    async token(eventId = 'conf') {
      const [code] = await appliance.codes(1, eventId);
      const response = await fetch(`${platformUrl}/api/tokens/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, deviceId: `test-${randomUUID()}` }),
      });
      if (response.status !== 200) throw new Error(`validate: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    },
    playlist: (eventId = 'conf') => {
      try {
        return fs.readFileSync(path.join(dataDir, 'hls', eventId, 'index.m3u8'), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return closed;
    },
    async crash() {
      child.kill('SIGKILL');
      await closed;
    },
    listeningPorts: () => listeningPorts(child.pid!),
  };
  return appliance;
}

/**
 * The ingest's FFmpeg runs in a process group of its own and outlives a SIGKILLed service: with its
 * input closed it writes out its last segment and playlist, which on a busy machine can take longer
 * than a folder removal keeps retrying. Any process whose command line names the data directory is
 * given a moment to finish, then killed.
 */
async function killProcessesWritingTo(dataDir: string): Promise<void> {
  const writers = () =>
    fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid).filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false; // gone meanwhile
      }
    });
  for (let waited = 0; waited < 3_000 && writers().length > 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const pid of writers()) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  for (let waited = 0; waited < 2_000 && writers().length > 0; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}

export interface RunningDemo extends ServingProcess {
  dataDir: string;
  /** The three demo codes `up --demo` printed. */
  codes: string[];
}

/**
 * `streamgate up --demo` on free ports with a new data directory. When the test ends the process
 * is killed first and its folder removed after: its FFmpeg writes there until it has gone.
 */
export async function startDemo(t: { after(fn: () => unknown): void }): Promise<RunningDemo> {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const serving = await spawnOnFreePorts(['up', '--demo'], { STREAMGATE_DATA_DIR: dataDir, INGEST_RECONNECT_GRACE_SECONDS: '1', NO_COLOR: '1' }, /demo codes\s+(.+?)\s{3}/);
  t.after(async () => {
    serving.child.kill('SIGKILL');
    await serving.closed;
    await killProcessesWritingTo(dataDir);
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });
  const codes = /demo codes\s+(.+?)\s{3}/.exec(serving.stderr())![1]!.split(/\s+/);
  return { ...serving, dataDir, codes };
}

export interface TestPublisher {
  child: ChildProcess;
  /** FFmpeg's exit code once it has ended. */
  exited: Promise<number | null>;
  stderr(): string;
}

/** FFmpeg publishing the product's own test pattern (as `up --demo` does) the way OBS would. */
export function publish(t: { after(fn: () => unknown): void }, url: string, seconds: number, options: Pick<TestPatternOptions, 'audio' | 'keyframeSeconds' | 'fps'> = {}): TestPublisher {
  const child = publishTestPattern({ ffmpegPath: 'ffmpeg', publishUrl: url, width: 640, height: 360, seconds, ...options });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  t.after(() => child.kill('SIGKILL'));
  return { child, exited, stderr: () => stderr };
}

/**
 * FFmpeg publishing whatever `args` say (inputs and codecs) to `url` as FLV over RTMP, in real
 * time: a radio encoder sending sound only, an encoder sending a codec StreamGate cannot package.
 */
export function publishWith(t: { after(fn: () => unknown): void }, url: string, args: string[]): TestPublisher {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', ...args, '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  t.after(() => child.kill('SIGKILL'));
  return { child, exited, stderr: () => stderr };
}

export interface Probe {
  durationSeconds: number;
  codecs: string[];
}

/** ffprobe reading a URL through the edge with the token in the Authorization header. */
export async function ffprobe(url: string, token: string): Promise<Probe> {
  const { stdout } = await promisify(execFile)('ffprobe', [
    '-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`,
    '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', url,
  ], { timeout: 30_000 });
  const info = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_name: string }[]; programs?: { streams: { codec_name: string }[] }[] };
  const streams = [...(info.streams ?? []), ...(info.programs ?? []).flatMap((p) => p.streams)];
  return { durationSeconds: Number(info.format?.duration ?? 0), codecs: [...new Set(streams.map((s) => s.codec_name))].sort() };
}

/**
 * ffmpeg decoding the first `seconds` of a live playlist's video from its oldest segment, through
 * the edge with the token in the Authorization header (keys too, for an encrypted event): its stderr.
 */
export async function ffmpegDecodeLive(url: string, token: string, seconds: number): Promise<string> {
  const { stderr } = await promisify(execFile)('ffmpeg', [
    '-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`, '-live_start_index', '0', '-i', url,
    '-t', String(seconds), '-map', '0:v:0', '-f', 'null', '-',
  ], { timeout: 60_000 });
  return stderr;
}

/** Segment URIs of a media playlist, in order. */
export function segmentsOf(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line.endsWith('.ts'));
}

function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the inode.
      if (fields[3] === '0A' && inodes.has(fields[9]!)) ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}
