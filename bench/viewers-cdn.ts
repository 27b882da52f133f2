// CDN mode (docs/cdn-mode.md): the same viewers of an encrypted VOD against a stand-alone edge
// serving everything, then against an edge with EDGE_SEGMENT_ACCESS=public behind nginx running
// deploy/nginx/cdn-cache.conf (the CDN's stand-in), in one run. The players are bench/viewers':
// each validates its own code at the platform, then every segment duration reloads the playlist
// (edge, token), fetches the key of its next segment when it changes (edge, token; a new key
// every HLS_KEY_ROTATION_SECONDS=10 s of media) and the segment (the edge, or nginx), and sends a
// heartbeat every 30 s. Figure: viewers per edge CPU-second (viewers ÷ cores the edge process
// used), goal ≥ 3× with the cache. Only 127.0.0.1.
// Each configuration is measured BENCH_CDN_ROUNDS times (3), alternating, and the windows summed.
// Alone: node dist/bench/viewers-cdn.js   (BENCH_CDN_VIEWERS, BENCH_STEP_SECONDS, BENCH_MBIT;
// BENCH_EDGE_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the edges)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, cli, freshDataDir, percentile, REPO_ROOT, row } from './lib.js';
import { stopChild, waitForOutput } from './nginx.js';
import { cpuTimes } from './process-usage.js';
import { get, request, retried } from './viewer-http.js';

const VIEWERS = Number(process.env.BENCH_CDN_VIEWERS ?? 300);
const STEP_S = Number(process.env.BENCH_STEP_SECONDS ?? 12);
/** Windows of each configuration, alternating, so a machine busy with something else for a while weighs on both alike. */
const ROUNDS = Number(process.env.BENCH_CDN_ROUNDS ?? 3);
const MBIT = Number(process.env.BENCH_MBIT ?? 3);
const SEGMENT_S = 2;
const VOD_S = 30;
const HEARTBEAT_S = 30;
const KEY_ROTATION_S = 10;
/** Node flags for the edge processes alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes. */
const EDGE_NODE_ARGS = (process.env.BENCH_EDGE_NODE_ARGS ?? '').split(' ').filter(Boolean);

interface Mode {
  name: string;
  /** The edge's playlist URL; segment and key URIs resolve against it. */
  playlistUrl: string;
  edgePid: number;
  platformUrl: string;
  codes: string[];
}

interface Result {
  cores: number;
  user: number;
  system: number;
  p99: number;
  errors: number;
  mbits: number;
  requests: { playlist: number; key: number; segment: number };
}

/** What one player did in a segment duration; `ms`: the segment's time (what decides a stall). */
type Sample = { at: number; ms: number; ok: boolean; bytes: number; error?: string; keyFetched: boolean };

/** One player, as bench/viewers' with keys: its code validated, then each segment duration the playlist, the key when it changes, the segment; a heartbeat every 30 s. */
async function viewer(mode: Mode, index: number, agent: http.Agent, until: () => boolean, samples: Sample[]) {
  await new Promise((r) => setTimeout(r, Math.random() * SEGMENT_S * 1000));
  const validated = await request(agent, `${mode.platformUrl}/api/tokens/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: mode.codes[index], deviceId: `bench-cdn-viewer-${index}` }),
    timeoutMs: 30_000, // hundreds join within one segment duration: the code entry may wait, as a person would
  });
  if (validated.status !== 200) return void samples.push({ at: Date.now(), ms: 0, bytes: 0, ok: false, error: `validate ${validated.status}`, keyFetched: false });
  const grant = JSON.parse(validated.text) as { token: string; sessionId: string };
  let token = grant.token;
  // Viewers in steady state joined at different times: their heartbeats (each a new token for the
  // edge to verify) are spread over the 30 s, as in a window of bench/viewers' later steps.
  let lastHeartbeat = Date.now() - Math.random() * HEARTBEAT_S * 1000;
  let currentKey: string | undefined;
  for (let i = index; !until(); i++) {
    const started = Date.now();
    const headers = { Authorization: `Bearer ${token}` };
    const playlist = await get(agent, mode.playlistUrl, headers);
    const lines = playlist.text.split('\n');
    const segments = lines.filter((line) => line && !line.startsWith('#'));
    const segment = segments[i % Math.max(1, segments.length)];
    // The key in force at that segment: the last EXT-X-KEY line before it.
    const at = segment ? lines.indexOf(segment) : -1;
    const keyLine = lines.slice(0, at).reverse().find((line) => line.startsWith('#EXT-X-KEY:'));
    const keyUri = keyLine ? /URI="([^"]+)"/.exec(keyLine)?.[1] : undefined;
    let ok = playlist.status === 200 && segment !== undefined;
    let error = ok ? undefined : `playlist ${playlist.status || playlist.text}`;
    let bytes = playlist.bytes;
    let keyFetched = false;
    if (ok && keyUri && keyUri !== currentKey) {
      const key = await get(agent, new URL(keyUri, mode.playlistUrl).href, headers);
      keyFetched = true;
      ok = key.status === 200 && key.bytes === 16;
      if (!ok) error = `key ${key.status || key.text}`;
      else currentKey = keyUri;
    }
    const segmentStarted = Date.now();
    if (ok) {
      const answer = await get(agent, new URL(segment!, mode.playlistUrl).href, headers);
      ok = answer.status === 200;
      if (!ok) error = `segment ${answer.status || answer.text}`;
      bytes += answer.bytes;
    }
    samples.push({ at: started, ms: Date.now() - segmentStarted, ok, bytes, error, keyFetched });
    if (Date.now() - lastHeartbeat >= HEARTBEAT_S * 1000) {
      lastHeartbeat = Date.now();
      const beat = await retried(agent, `${mode.platformUrl}/api/sessions/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ sessionId: grant.sessionId }),
        timeoutMs: 30_000,
      });
      if (beat.status === 200) token = (JSON.parse(beat.text) as { token: string }).token;
      else samples.push({ at: Date.now(), ms: 0, bytes: 0, ok: false, error: `heartbeat ${beat.status || beat.text}`, keyFetched: false });
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + SEGMENT_S * 1000 - Date.now())));
  }
}

async function measure(mode: Mode): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 8192 });
  const samples: Sample[] = [];
  let stop = false;
  const running = mode.codes.map((_, i) => viewer(mode, i, agent, () => stop, samples));
  // Everyone joined (codes validated, first keys fetched) before the measured window.
  await new Promise((r) => setTimeout(r, SEGMENT_S * 1000 * 2));
  const from = Date.now();
  const cpu0 = cpuTimes(mode.edgePid);
  await new Promise((r) => setTimeout(r, STEP_S * 1000));
  const seconds = (Date.now() - from) / 1000;
  const cpu1 = cpuTimes(mode.edgePid);
  const user = (cpu1.user - cpu0.user) / seconds;
  const system = (cpu1.system - cpu0.system) / seconds;
  stop = true;
  await Promise.all(running);
  agent.destroy();
  const window = samples.filter((s) => s.at >= from && s.at < from + STEP_S * 1000);
  const times = window.filter((s) => s.ok).map((s) => s.ms);
  const result: Result = {
    cores: user + system,
    user,
    system,
    p99: times.length ? percentile(times, 99) : NaN,
    errors: window.filter((s) => !s.ok).length,
    mbits: (window.reduce((sum, s) => sum + s.bytes, 0) * 8) / seconds / 1e6,
    requests: { playlist: window.length, key: window.filter((s) => s.keyFetched).length, segment: window.filter((s) => s.ok).length },
  };
  const kinds = [...new Set(window.filter((s) => !s.ok).map((s) => s.error))].slice(0, 3).join(', ');
  const perSecond = (n: number) => (n / seconds).toFixed(0);
  row(
    `${mode.name}: ${mode.codes.length} viewers`,
    `edge CPU ${result.cores.toFixed(3)} cores (user ${user.toFixed(3)}, system ${system.toFixed(3)}), segment p99 ${result.p99} ms, ${result.errors} errors${kinds ? ` (${kinds})` : ''}, ${result.mbits.toFixed(0)} Mbit/s delivered; per s: ${perSecond(result.requests.playlist)} playlists, ${perSecond(result.requests.key)} keys, ${perSecond(result.requests.segment)} segments`,
  );
  return result;
}

/**
 * The floor: a bare node:http server that answers every playlist request with the public edge's
 * playlist (fetched once) and every key request with 16 bytes, checking nothing. What the edge
 * spends beyond it is StreamGate's own work per request; the rest is what any Node.js server pays.
 */
function startFloor(port: number, playlist: string): ChildProcess {
  const program = `
    const playlist = ${JSON.stringify(playlist)};
    const key = Buffer.alloc(16).toString('latin1');
    require('node:http').createServer((req, res) => {
      const isKey = req.url.startsWith('/keys/');
      const body = isKey ? key : playlist;
      res.writeHead(200, { 'Content-Type': isKey ? 'application/octet-stream' : 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body, isKey ? 'latin1' : 'utf8') });
      res.end(body, isKey ? 'latin1' : 'utf8');
    }).listen(${port}, '127.0.0.1', () => console.error('floor listening'));`;
  return spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function startCdn(port: number, edgePort: number): { child: ChildProcess; prefix: string } {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-cdn-bench-'));
  fs.chmodSync(prefix, 0o755); // nginx's workers (nobody) write the cache here
  const site = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'nginx', 'cdn-cache.conf'), 'utf8')
    .replaceAll('${CDN_LISTEN}', `127.0.0.1:${port}`).replaceAll('${EDGE}', `127.0.0.1:${edgePort}`).replaceAll('${CACHE_DIR}', path.join(prefix, 'cache'));
  fs.writeFileSync(path.join(prefix, 'site.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${prefix}/${name};`).join(' ');
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `worker_processes 1;\ndaemon off;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents { worker_connections 8192; }\nhttp {\n  access_log off;\n  keepalive_requests 100000;\n  ${temp}\n  include ${prefix}/site.conf;\n}\n`);
  return { child: spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: 'ignore' }), prefix };
}

export async function benchViewersCdn(): Promise<void> {
  console.log(`\n## viewers-cdn: ${VIEWERS} viewers of an encrypted VOD at ${MBIT} Mbit/s, ${STEP_S} s each (bench/viewers-cdn)`);
  const dataDir = freshDataDir();
  const source = path.join(dataDir, 'source.mp4');
  const video = `${Math.round((MBIT - 0.128) * 1000)}k`;
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(VOD_S), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p',
    '-b:v', video, '-minrate', video, '-maxrate', video, '-bufsize', video, '-c:a', 'aac', '-b:a', '128k', source,
  ]);
  cli(['events', 'create', '--title', 'Enc', '--id', 'enc', '--encryption', 'aes-128'], dataDir);
  cli(['vod', 'import', 'enc', source], dataDir, { HLS_KEY_ROTATION_SECONDS: String(KEY_ROTATION_S) });
  const codes = cli(['tokens', 'create', '--event', 'enc', '--count', String(2 * VIEWERS + 1)], dataDir).stdout.trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[0]!);
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const platformUrl = `http://127.0.0.1:${base + 1}`;
  const env = { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(base + 1), PLATFORM_URL: platformUrl, RTMP_PORT: String(base + 3), EDGE_PORT: String(base + 2) };
  const children: ChildProcess[] = [];
  let cdnPrefix: string | null = null;
  try {
    const platform = spawn(process.execPath, [BIN, 'serve', 'platform'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(platform);
    await waitForOutput(platform, 'stderr', 'platform listening');

    const plainEdge = spawn(process.execPath, [...EDGE_NODE_ARGS, BIN, 'serve', 'edge'], { env: { ...env, EDGE_PORT: String(base + 4) }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(plainEdge);
    await waitForOutput(plainEdge, 'stderr', 'edge listening');
    const cdnPort = base + 6;
    const publicEdge = spawn(process.execPath, [...EDGE_NODE_ARGS, BIN, 'serve', 'edge'], {
      env: { ...env, EDGE_PORT: String(base + 5), EDGE_SEGMENT_ACCESS: 'public', SEGMENT_BASE_URL: `http://127.0.0.1:${cdnPort}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(publicEdge);
    await waitForOutput(publicEdge, 'stderr', 'edge listening');
    const cdn = startCdn(cdnPort, base + 5);
    children.push(cdn.child);
    cdnPrefix = cdn.prefix;
    for (let i = 0; i < 50 && !(await fetch(`http://127.0.0.1:${cdnPort}/`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));

    const [firstCode] = codes.slice(2 * VIEWERS);
    const grant = (await (await fetch(`${platformUrl}/api/tokens/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: firstCode, deviceId: 'bench-cdn-floor' }) })).json()) as { token: string };
    const publicPlaylist = await (await fetch(`http://127.0.0.1:${base + 5}/streams/enc/index.m3u8`, { headers: { Authorization: `Bearer ${grant.token}` } })).text();
    const floor = startFloor(base + 7, publicPlaylist);
    children.push(floor);
    await waitForOutput(floor, 'stderr', 'floor listening');

    // Each round the same viewers come back (same codes and devices: their sessions resume).
    const all: Result[] = [];
    const cached: Result[] = [];
    const bare: Result[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      all.push(await measure({ name: `round ${round}, everything through the edge`, playlistUrl: `http://127.0.0.1:${base + 4}/streams/enc/index.m3u8`, edgePid: plainEdge.pid!, platformUrl, codes: codes.slice(0, VIEWERS) }));
      cached.push(await measure({ name: `round ${round}, segments through the nginx cache`, playlistUrl: `http://127.0.0.1:${base + 5}/streams/enc/index.m3u8`, edgePid: publicEdge.pid!, platformUrl, codes: codes.slice(VIEWERS, 2 * VIEWERS) }));
      bare.push(await measure({ name: `round ${round}, floor: bare node:http, segments via the cache`, playlistUrl: `http://127.0.0.1:${base + 7}/streams/enc/index.m3u8`, edgePid: floor.pid!, platformUrl, codes: codes.slice(0, VIEWERS) }));
    }
    const cores = (results: Result[]) => results.reduce((sum, r) => sum + r.cores, 0) / results.length;
    const errors = (results: Result[]) => results.reduce((sum, r) => sum + r.errors, 0);
    const perCpu = (results: Result[]) => VIEWERS / Math.max(cores(results), 1e-3);
    row('viewers per edge CPU-second, all through the edge', `${perCpu(all).toFixed(0)} (${VIEWERS} ÷ ${cores(all).toFixed(3)} cores, ${ROUNDS} windows, ${errors(all)} errors)`);
    row('viewers per edge CPU-second, segments via the cache', `${perCpu(cached).toFixed(0)} (${VIEWERS} ÷ ${cores(cached).toFixed(3)} cores, ${ROUNDS} windows, ${errors(cached)} errors)`);
    row('ratio (goal ≥ 3×)', `${(perCpu(cached) / perCpu(all)).toFixed(1)}×`);
    row('floor: a bare node:http server, per CPU-second', `${perCpu(bare).toFixed(0)} (${VIEWERS} ÷ ${cores(bare).toFixed(3)} cores): ${(perCpu(bare) / perCpu(all)).toFixed(1)}× the edge serving everything`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    if (cdnPrefix) fs.rmSync(cdnPrefix, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchViewersCdn();
