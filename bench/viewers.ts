// Viewer capacity: simulated viewers against `streamgate serve` (the platform with /streams
// mounted), against a stand-alone `streamgate serve edge`, and against nginx serving the same
// files without auth, in one run on this machine. Each viewer validates its own code once, then
// every segment duration fetches the playlist and its next segment (rotating through a real VOD
// made by FFmpeg at BENCH_MBIT, default 3 Mbit/s), and sends a heartbeat every 30 s. Viewers are
// added in steps (100, 200, 400, …) of BENCH_STEP_SECONDS each; capacity is the largest step with
// p99 segment time < 1 s and no error. Only 127.0.0.1. Alone: node dist/bench/viewers.js
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, cli, freshDataDir, percentile, row } from './lib.js';
import { startNginx, stopChild, waitForOutput } from './nginx.js';
import { cpuSeconds, rssMiB } from './process-usage.js';
import { get, request, retried } from './viewer-http.js';

const MBIT = Number(process.env.BENCH_MBIT ?? 3);
const STEP_S = Number(process.env.BENCH_STEP_SECONDS ?? 12);
const STEPS = [100, 200, 400, 800, 1600];
const SEGMENT_S = 2;
const VOD_S = 30;
const HEARTBEAT_S = 30;

interface Target {
  name: string;
  /** Where the viewers validate; null: nginx, no auth. */
  platformUrl: string | null;
  /** Base URL of /streams/… */
  streamsUrl: string;
  pid: number;
  codes: string[];
}

interface Sample {
  at: number;
  ms: number;
  bytes: number;
  ok: boolean;
  /** What failed, e.g. `segment 0` (no answer) or `heartbeat 409`. */
  error?: string;
}

interface StepResult {
  viewers: number;
  p50: number;
  p99: number;
  errors: number;
  mbits: number;
  cores: number;
  rss: number;
}

/** A CBR VOD of 2 s segments at `mbit` Mbit/s, made by the real FFmpeg. */
function makeVod(dir: string, mbit: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const video = `${Math.round((mbit - 0.128) * 1000)}k`;
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(VOD_S), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p',
    '-b:v', video, '-minrate', video, '-maxrate', video, '-bufsize', video, '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '128k',
    '-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_playlist_type', 'vod',
    '-hls_segment_filename', path.join(dir, 'seg_%03d.ts'), path.join(dir, 'index.m3u8'),
  ]);
}

/** One player: a code validated once, then a playlist and a segment every segment duration. */
class Viewer {
  private stopped = false;
  private token: string | null = null;
  private sessionId: string | null = null;
  private streamsUrl: string;

  constructor(private readonly target: Target, private readonly index: number, private readonly agent: http.Agent, private readonly samples: Sample[]) {
    this.streamsUrl = target.streamsUrl;
  }

  async run(delayMs: number, segments: number): Promise<void> {
    await new Promise((r) => setTimeout(r, delayMs));
    const auth = () => (this.token ? { Authorization: `Bearer ${this.token}` } : undefined);
    if (this.target.platformUrl) {
      const answer = await request(this.agent, `${this.target.platformUrl}/api/tokens/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: this.target.codes[this.index], deviceId: `bench-viewer-${this.index}` }),
        // Hundreds of viewers join within one segment duration: the code entry may wait, as a person would.
        timeoutMs: 30_000,
      });
      if (answer.status !== 200) return void this.samples.push({ at: Date.now(), ms: 0, bytes: 0, ok: false, error: `validate ${answer.status}` });
      const grant = JSON.parse(answer.text) as { token: string; sessionId: string; playbackUrl: string };
      this.token = grant.token;
      this.sessionId = grant.sessionId;
    }
    let lastHeartbeat = Date.now();
    for (let i = this.index % segments; !this.stopped; i = (i + 1) % segments) {
      const started = Date.now();
      const playlist = await get(this.agent, `${this.streamsUrl}/index.m3u8`, auth());
      const segmentStarted = Date.now();
      const segment = await get(this.agent, `${this.streamsUrl}/seg_${String(i).padStart(3, '0')}.ts`, auth());
      const ok = playlist.status === 200 && segment.status === 200;
      // The segment's time: what decides whether a player stalls (the playlist is small).
      const error = playlist.status !== 200 ? `playlist ${playlist.status || playlist.text}` : segment.status !== 200 ? `segment ${segment.status || segment.text}` : undefined;
      this.samples.push({ at: started, ms: Date.now() - segmentStarted, bytes: playlist.bytes + segment.bytes, ok, error });
      if (this.sessionId && Date.now() - lastHeartbeat >= HEARTBEAT_S * 1000) {
        lastHeartbeat = Date.now();
        const beat = await retried(this.agent, `${this.target.platformUrl}/api/sessions/heartbeat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth() },
          body: JSON.stringify({ sessionId: this.sessionId }),
          timeoutMs: 30_000,
        });
        if (beat.status === 200) this.token = (JSON.parse(beat.text) as { token: string }).token;
        else this.samples.push({ at: Date.now(), ms: 0, bytes: 0, ok: false, error: `heartbeat ${beat.status || beat.text}` });
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + SEGMENT_S * 1000 - Date.now())));
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Steps of viewers against one target until a step fails; one result per step. */
async function stepViewers(target: Target, segments: number): Promise<StepResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 8192 });
  const samples: Sample[] = [];
  const viewers: Viewer[] = [];
  const results: StepResult[] = [];
  try {
    for (const count of STEPS) {
      if (count > target.codes.length && target.platformUrl) break;
      const stepStart = Date.now();
      // New viewers join spread over one segment duration; measured from the next one on.
      while (viewers.length < count) {
        const viewer = new Viewer(target, viewers.length, agent, samples);
        viewers.push(viewer);
        void viewer.run(Math.random() * SEGMENT_S * 1000, segments);
      }
      await new Promise((r) => setTimeout(r, SEGMENT_S * 1000));
      const from = Date.now();
      const cpu0 = cpuSeconds(target.pid);
      let rss = rssMiB(target.pid);
      const sampler = setInterval(() => (rss = Math.max(rss, rssMiB(target.pid))), 500);
      await new Promise((r) => setTimeout(r, Math.max(SEGMENT_S, STEP_S - (from - stepStart) / 1000) * 1000));
      clearInterval(sampler);
      const seconds = (Date.now() - from) / 1000;
      const cores = (cpuSeconds(target.pid) - cpu0) / seconds;
      const window = samples.filter((s) => s.at >= from);
      const times = window.filter((s) => s.ok).map((s) => s.ms);
      const failed = window.filter((s) => !s.ok);
      const errors = failed.length;
      const kinds = [...new Set(failed.map((s) => s.error))].slice(0, 3).join(', ');
      const mbits = (window.reduce((sum, s) => sum + s.bytes, 0) * 8) / seconds / 1e6;
      const result = { viewers: count, p50: times.length ? percentile(times, 50) : NaN, p99: times.length ? percentile(times, 99) : NaN, errors, mbits, cores, rss };
      results.push(result);
      row(
        `${target.name}: ${count} viewers`,
        `segment p50 ${result.p50} ms, p99 ${result.p99} ms, ${errors} errors${kinds ? ` (${kinds})` : ''}, ${mbits.toFixed(0)} Mbit/s, CPU ${cores.toFixed(2)} cores, RSS ${rss.toFixed(0)} MiB`,
      );
      if (!(result.p99 < 1000) || errors > 0) break;
    }
  } finally {
    for (const viewer of viewers) viewer.stop();
    await new Promise((r) => setTimeout(r, SEGMENT_S * 1000 + 500));
    agent.destroy();
  }
  return results;
}

const capacity = (results: StepResult[]) => results.filter((r) => r.p99 < 1000 && r.errors === 0).reduce((best, r) => Math.max(best, r.viewers), 0);
const at = (results: StepResult[], viewers: number) => results.find((r) => r.viewers === viewers);

export async function benchViewers(): Promise<void> {
  console.log(`\n## viewers: capacity at ${MBIT} Mbit/s, ${STEP_S} s per step (bench/viewers)`);
  const dataDir = freshDataDir();
  const hlsRoot = path.join(dataDir, 'hls');
  makeVod(path.join(hlsRoot, 'bench'), MBIT);
  const segments = fs.readdirSync(path.join(hlsRoot, 'bench')).filter((f) => f.endsWith('.ts')).length;
  const codes = cli(['tokens', 'create', '--event', 'bench', '--count', String(2 * STEPS.at(-1)!)], dataDir).stdout.trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[0]!);
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const children: ChildProcess[] = [];
  const env = { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(base + 1), PLATFORM_URL: `http://127.0.0.1:${base + 1}`, EDGE_PORT: String(base + 2), RTMP_PORT: String(base + 3) };
  const results: Record<string, StepResult[]> = {};
  try {
    const nginx = await startNginx(hlsRoot, base, '/streams/bench/index.m3u8');
    children.push(nginx);
    results.nginx = await stepViewers({ name: 'nginx, no auth', platformUrl: null, streamsUrl: `http://127.0.0.1:${base}/streams/bench`, pid: nginx.pid!, codes: [] }, segments);
    await stopChild(nginx);

    const serve = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(serve);
    await waitForOutput(serve, 'stderr', 'ingest listening');
    const platformUrl = `http://127.0.0.1:${base + 1}`;
    results.serve = await stepViewers({ name: 'streamgate serve', platformUrl, streamsUrl: `${platformUrl}/streams/bench`, pid: serve.pid!, codes: codes.slice(0, STEPS.at(-1)) }, segments);

    const edge = spawn(process.execPath, [BIN, 'serve', 'edge'], { env: { ...env, EDGE_PORT: String(base + 4) }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(edge);
    await waitForOutput(edge, 'stderr', 'edge listening');
    results.edge = await stepViewers({ name: 'stand-alone edge', platformUrl, streamsUrl: `http://127.0.0.1:${base + 4}/streams/bench`, pid: edge.pid!, codes: codes.slice(STEPS.at(-1)) }, segments);
  } finally {
    for (const child of children) await stopChild(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const nginxCapacity = capacity(results.nginx!);
  for (const [key, name] of [['serve', 'streamgate serve'], ['edge', 'stand-alone edge']] as const) {
    const mine = results[key]!;
    const cap = capacity(mine);
    row(`${name}: capacity (p99 < 1 s, no error)`, `${cap} viewers at ${MBIT} Mbit/s; nginx ${nginxCapacity}; ratio ${nginxCapacity ? (cap / nginxCapacity).toFixed(2) : '?'}× (goal ≥ 0.8)`);
    const ours = at(mine, 400);
    const theirs = at(results.nginx!, 400);
    if (ours && theirs) {
      const perMbit = (r: StepResult) => r.cores / r.mbits;
      row(`${name}: CPU per delivered Mbit/s at 400 viewers`, `${(perMbit(ours) * 1000).toFixed(2)} vs nginx ${(perMbit(theirs) * 1000).toFixed(2)} millicores; ratio ${(perMbit(ours) / perMbit(theirs)).toFixed(2)}× (goal ≤ 3)`);
    }
    const atCapacity = at(mine, cap);
    if (atCapacity) row(`${name}: RSS at capacity`, `${atCapacity.rss.toFixed(0)} MiB (EDGE_CACHE_MB 256 bounds the content part)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchViewers();
