// CDN mode (docs/cdn-mode.md): the same viewers of an encrypted VOD against a stand-alone edge
// serving everything, then against an edge with EDGE_SEGMENT_ACCESS=public behind nginx running
// deploy/nginx/cdn-cache.conf (the CDN's stand-in), in one run. Each viewer validates its code,
// then every segment duration fetches the playlist (edge, token), each key it has not seen yet
// (edge, token) and its next segment (the edge, or nginx). Figure: viewers per edge CPU-second
// (viewers ÷ cores the edge process used), goal ≥ 3× with the cache. Only 127.0.0.1.
// Alone: node dist/bench/viewers-cdn.js   (BENCH_CDN_VIEWERS, BENCH_STEP_SECONDS, BENCH_MBIT)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, cli, freshDataDir, percentile, REPO_ROOT, row } from './lib.js';
import { stopChild, waitForOutput } from './nginx.js';
import { cpuSeconds } from './process-usage.js';

const VIEWERS = Number(process.env.BENCH_CDN_VIEWERS ?? 300);
const STEP_S = Number(process.env.BENCH_STEP_SECONDS ?? 12);
const MBIT = Number(process.env.BENCH_MBIT ?? 3);
const SEGMENT_S = 2;
const VOD_S = 30;

interface Mode {
  name: string;
  /** The edge's playlist URL; segment and key URIs resolve against it. */
  playlistUrl: string;
  edgePid: number;
}

interface Result {
  cores: number;
  p99: number;
  errors: number;
  mbits: number;
}

function get(agent: http.Agent, url: string, headers: Record<string, string>): Promise<{ status: number; bytes: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers, timeout: 10_000 }, (res) => {
      let bytes = 0;
      const keep: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!url.endsWith('.ts')) keep.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode!, bytes, text: Buffer.concat(keep).toString() }));
      res.on('error', () => resolve({ status: 0, bytes, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, bytes: 0, text: '' }));
  });
}

/** One hls.js-like player: the playlist every segment duration, each new key once, the next segment. */
type Sample = { at: number; ms: number; ok: boolean; bytes: number; error?: string };

async function viewer(mode: Mode, token: string, start: number, agent: http.Agent, until: () => boolean, samples: Sample[]) {
  const headers = { Authorization: `Bearer ${token}` };
  const keys = new Set<string>();
  await new Promise((r) => setTimeout(r, Math.random() * SEGMENT_S * 1000));
  for (let i = start; !until(); i++) {
    const started = Date.now();
    const playlist = await get(agent, mode.playlistUrl, headers);
    const lines = playlist.text.split('\n');
    const segments = lines.filter((line) => line && !line.startsWith('#'));
    const segment = segments[i % Math.max(1, segments.length)];
    // The key in force at that segment: the last EXT-X-KEY line before it.
    const at = segment ? lines.indexOf(segment) : -1;
    const keyLine = lines.slice(0, at).reverse().find((line) => line.startsWith('#EXT-X-KEY:'));
    const keyUri = keyLine ? /URI="([^"]+)"/.exec(keyLine)?.[1] : undefined;
    let ok = playlist.status === 200 && segment !== undefined;
    let error = ok ? undefined : `playlist ${playlist.status}`;
    let bytes = playlist.bytes;
    if (ok && keyUri && !keys.has(keyUri)) {
      const key = await get(agent, new URL(keyUri, mode.playlistUrl).href, headers);
      ok = key.status === 200 && key.bytes === 16;
      if (!ok) error = `key ${key.status}`;
      keys.add(keyUri);
    }
    const segmentStarted = Date.now();
    if (ok) {
      const answer = await get(agent, new URL(segment!, mode.playlistUrl).href, headers);
      ok = answer.status === 200;
      if (!ok) error = `segment ${answer.status}`;
      bytes += answer.bytes;
    }
    samples.push({ at: started, ms: Date.now() - segmentStarted, ok, bytes, error });
    await new Promise((r) => setTimeout(r, Math.max(0, started + SEGMENT_S * 1000 - Date.now())));
  }
}

async function measure(mode: Mode, tokens: string[]): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const samples: Sample[] = [];
  let stop = false;
  const running = tokens.map((token, i) => viewer(mode, token, i, agent, () => stop, samples));
  await new Promise((r) => setTimeout(r, SEGMENT_S * 1000 * 2)); // everyone joined, keys fetched
  const from = Date.now();
  const cpu0 = cpuSeconds(mode.edgePid);
  await new Promise((r) => setTimeout(r, STEP_S * 1000));
  const seconds = (Date.now() - from) / 1000;
  const cores = (cpuSeconds(mode.edgePid) - cpu0) / seconds;
  stop = true;
  await Promise.all(running);
  agent.destroy();
  const window = samples.filter((s) => s.at >= from && s.at < from + STEP_S * 1000);
  const times = window.filter((s) => s.ok).map((s) => s.ms);
  const result = {
    cores,
    p99: times.length ? percentile(times, 99) : NaN,
    errors: window.filter((s) => !s.ok).length,
    mbits: (window.reduce((sum, s) => sum + s.bytes, 0) * 8) / seconds / 1e6,
  };
  const kinds = [...new Set(window.filter((s) => !s.ok).map((s) => s.error))].slice(0, 3).join(', ');
  row(`${mode.name}: ${tokens.length} viewers`, `edge CPU ${cores.toFixed(3)} cores, segment p99 ${result.p99} ms, ${result.errors} errors${kinds ? ` (${kinds})` : ''}, ${result.mbits.toFixed(0)} Mbit/s delivered`);
  return result;
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

async function tokensFor(platformUrl: string, codes: string[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const [i, code] of codes.entries()) {
    const answer = await fetch(`${platformUrl}/api/tokens/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId: `bench-cdn-${i}` }) });
    if (answer.status !== 200) throw new Error(`validate: ${answer.status} ${await answer.text()}`);
    tokens.push(((await answer.json()) as { token: string }).token);
  }
  return tokens;
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
  cli(['vod', 'import', 'enc', source], dataDir, { HLS_KEY_ROTATION_SECONDS: '10' });
  const codes = cli(['tokens', 'create', '--event', 'enc', '--count', String(2 * VIEWERS)], dataDir).stdout.trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[0]!);
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const platformUrl = `http://127.0.0.1:${base + 1}`;
  const env = { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(base + 1), PLATFORM_URL: platformUrl, RTMP_PORT: String(base + 3), EDGE_PORT: String(base + 2) };
  const children: ChildProcess[] = [];
  let cdnPrefix: string | null = null;
  try {
    const platform = spawn(process.execPath, [BIN, 'serve', 'platform'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(platform);
    await waitForOutput(platform, 'stderr', 'platform listening');

    const plainEdge = spawn(process.execPath, [BIN, 'serve', 'edge'], { env: { ...env, EDGE_PORT: String(base + 4) }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(plainEdge);
    await waitForOutput(plainEdge, 'stderr', 'edge listening');
    const all = await measure({ name: 'everything through the edge', playlistUrl: `http://127.0.0.1:${base + 4}/streams/enc/index.m3u8`, edgePid: plainEdge.pid! }, await tokensFor(platformUrl, codes.slice(0, VIEWERS)));
    await stopChild(plainEdge);

    const cdnPort = base + 6;
    const publicEdge = spawn(process.execPath, [BIN, 'serve', 'edge'], {
      env: { ...env, EDGE_PORT: String(base + 5), EDGE_SEGMENT_ACCESS: 'public', SEGMENT_BASE_URL: `http://127.0.0.1:${cdnPort}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(publicEdge);
    await waitForOutput(publicEdge, 'stderr', 'edge listening');
    const cdn = startCdn(cdnPort, base + 5);
    children.push(cdn.child);
    cdnPrefix = cdn.prefix;
    for (let i = 0; i < 50 && !(await fetch(`http://127.0.0.1:${cdnPort}/`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    const cached = await measure({ name: 'segments through the nginx cache', playlistUrl: `http://127.0.0.1:${base + 5}/streams/enc/index.m3u8`, edgePid: publicEdge.pid! }, await tokensFor(platformUrl, codes.slice(VIEWERS)));

    const perCpu = (r: Result) => VIEWERS / Math.max(r.cores, 1e-3);
    row('viewers per edge CPU-second, all through the edge', perCpu(all).toFixed(0));
    row('viewers per edge CPU-second, segments via the cache', perCpu(cached).toFixed(0));
    row('ratio (goal ≥ 3×)', `${(perCpu(cached) / perCpu(all)).toFixed(1)}×`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    if (cdnPrefix) fs.rmSync(cdnPrefix, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchViewersCdn();
