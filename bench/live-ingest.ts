// Live ingest: publish start → first playable playlist at the edge (against FFmpeg writing HLS
// straight from the same test pattern, no RTMP, same run); glass-to-glass delay in the real
// portal (hls.js in Chromium); CPU of the ingest's FFmpeg for copy against a 3-rung ladder.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publishTestPattern } from '../src/ingest/test-pattern.js';
import { startAppliance, waitFor, type Appliance } from '../test/helpers/appliance.js';
import { launchChromium } from '../test/helpers/browser.js';
import { runCli } from '../test/helpers/cli.js';
import { Cleanup, median, row } from './lib.js';

const RUNS = 3;

export async function benchLiveIngest(): Promise<void> {
  console.log('\n## ingest: RTMP → live HLS (bench/live-ingest)');
  const cleanup = new Cleanup();
  try {
    const app = await startAppliance(cleanup);
    await firstPlaylist(app, cleanup);
    // Normal against low latency (LL-HLS), in the same run.
    const normal = await glassToGlass(app, cleanup, 'normal');
    const low = await glassToGlass(app, cleanup, 'low');
    row('glass-to-glass low / normal latency', `${(low / normal).toFixed(2)}× (goal ≤ 0.6×, low ≤ 2000 ms)`);
    await cpu(app, cleanup);
  } finally {
    await cleanup.run();
  }
}

async function createEvent(app: Appliance, id: string, ladder = 'copy', latency: 'low' | 'normal' = 'normal'): Promise<string> {
  const created = await runCli(['events', 'create', '--title', id, '--id', id, '--ladder', ladder, '--latency', latency, '--json'], { dataDir: app.dataDir });
  if (created.code !== 0) throw new Error(created.stderr);
  await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads keys every second
  return JSON.parse(created.stdout).streamKey as string;
}

/** Milliseconds from spawning the publisher until the edge serves a playlist listing a segment. */
async function firstPlaylist(app: Appliance, cleanup: Cleanup): Promise<void> {
  const viaIngest: number[] = [];
  const direct: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const id = `first-${run}`;
    const key = await createEvent(app, id);
    const token = await app.token(id);
    const started = performance.now();
    const publisher = publishTestPattern({ ffmpegPath: 'ffmpeg', publishUrl: `${app.rtmpUrl}/${key}`, seconds: 8 });
    cleanup.after(() => publisher.kill('SIGKILL'));
    await waitFor('a playable playlist at the edge', async () => {
      const response = await fetch(`${app.edgeUrl}/streams/${id}/index.m3u8`, { headers: { authorization: `Bearer ${token}` } });
      return response.status === 200 && (await response.text()).includes('.ts');
    }, 20_000);
    viaIngest.push(performance.now() - started);
    publisher.kill('SIGKILL');

    // Baseline: the same encoder writing HLS itself, timed to its first listed segment.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-bench-hls-'));
    const startedDirect = performance.now();
    const ffmpeg = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=25', '-t', '8',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '50', '-f', 'hls', '-hls_time', '2', path.join(dir, 'index.m3u8'),
    ], { stdio: 'ignore' });
    await waitFor('direct HLS', () => fs.existsSync(path.join(dir, 'index.m3u8')) && fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8').includes('.ts'), 20_000);
    direct.push(performance.now() - startedDirect);
    ffmpeg.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  row('baseline: ffmpeg → HLS directly, to its first segment', `${median(direct).toFixed(0)} ms (median of ${RUNS})`);
  row('publish start → first playable playlist at the edge', `${median(viaIngest).toFixed(0)} ms (median of ${RUNS}; max ${Math.max(...viaIngest).toFixed(0)}; goal ≤ 4000 ms)`);
  row('ratio via ingest / direct', `${(median(viaIngest) / median(direct)).toFixed(2)}×`);
}

/**
 * The viewer's delay behind the camera, in the real portal: the frame on screen was captured at
 * (publisher start + video.currentTime), hls.js placing media time at the frame's offset in the
 * event. Publisher start is taken as the spawn, so FFmpeg's own start-up (~0.1 s) is counted in
 * the delay: the figure errs high, never low. The clock is also burnt into the picture.
 */
async function glassToGlass(app: Appliance, cleanup: Cleanup, latency: 'low' | 'normal'): Promise<number> {
  const id = `g2g-${latency}`;
  const key = await createEvent(app, id, 'copy', latency);
  const [code] = await app.codes(1, id);
  const publishedAt = Date.now();
  // Keyframes every second for low latency, as its README advice says; 2 s (OBS's usual) otherwise.
  const publisher = publishTestPattern({ ffmpegPath: 'ffmpeg', publishUrl: `${app.rtmpUrl}/${key}`, seconds: 100, keyframeSeconds: latency === 'low' ? 1 : 2 });
  cleanup.after(() => publisher.kill('SIGKILL'));
  const page = await (await launchChromium(cleanup)).newPage();
  // The video's `waiting` events (a stall: nothing to play), heard by a capturing listener.
  await page.addInitScript(() => {
    const g = globalThis as any;
    g.waitingEvents = 0;
    g.document.addEventListener('waiting', () => (g.waitingEvents += 1), true);
  });
  await page.goto(`${app.platformUrl}/?code=${code}`);
  await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 0.5, undefined, { timeout: 30_000 });
  const firstFrameMs = Date.now() - publishedAt;
  const delays: number[] = [];
  const waitingBefore = await page.evaluate(() => (globalThis as any).waitingEvents as number);
  // Low latency is watched for 60 s (the no-stall run), normal for 10 s.
  let last = -1;
  let lastMovedAt = Date.now();
  let longestStillMs = 0;
  for (let i = 0; i < (latency === 'low' ? 120 : 20); i += 1) {
    await new Promise((r) => setTimeout(r, 500));
    const mediaTime = await page.evaluate(() => (globalThis as any).document.getElementById('video').currentTime as number);
    if (mediaTime > last) lastMovedAt = Date.now();
    longestStillMs = Math.max(longestStillMs, Date.now() - lastMovedAt);
    last = mediaTime;
    delays.push(Date.now() - (publishedAt + mediaTime * 1000));
  }
  const waiting = (await page.evaluate(() => (globalThis as any).waitingEvents as number)) - waitingBefore;
  publisher.kill('SIGKILL');
  const seconds = delays.length / 2;
  row(`${latency === 'low' ? 'low latency' : 'normal'}: stalls over ${seconds} s playing`, `${waiting} waiting events, currentTime still at most ${longestStillMs} ms (sampled every 500 ms; goal: none)`);
  if (latency === 'low') {
    row('low latency: publish start → first frame playing in the portal', `${firstFrameMs} ms`);
    row('low latency: glass-to-glass in hls.js (lowLatencyMode, LL-HLS parts)', `median ${median(delays).toFixed(0)} ms, min ${Math.min(...delays).toFixed(0)}, max ${Math.max(...delays).toFixed(0)} over ${seconds} s (goal ≤ 2000 ms)`);
    return median(delays);
  }
  row('publish start → first frame playing in the portal', `${firstFrameMs} ms`);
  row('glass-to-glass in hls.js (liveSyncDurationCount 1)', `median ${median(delays).toFixed(0)} ms, min ${Math.min(...delays).toFixed(0)}, max ${Math.max(...delays).toFixed(0)} over ${seconds} s (goal ≤ 6000 ms)`);
  row('ratio glass-to-glass / segment length (2 s)', `${(median(delays) / 2000).toFixed(2)}×`);
  return median(delays);
}

/** CPU of the ingest's FFmpeg over 10 s of a 1280x720 25 fps publish, copy and 3-rung ladder. */
async function cpu(app: Appliance, cleanup: Cleanup): Promise<void> {
  const results: Record<string, number> = {};
  for (const ladder of ['copy', '720p,480p,360p']) {
    const id = `cpu-${ladder === 'copy' ? 'copy' : 'ladder'}`;
    const key = await createEvent(app, id, ladder);
    const publisher = publishTestPattern({ ffmpegPath: 'ffmpeg', publishUrl: `${app.rtmpUrl}/${key}`, width: 1280, height: 720, seconds: 30 });
    cleanup.after(() => publisher.kill('SIGKILL'));
    const dir = path.join(app.dataDir, 'hls', id);
    const pid = await waitFor('the ingest FFmpeg', () => {
      try {
        return Number(execFileSync('pgrep', ['-f', `${dir}/`], { encoding: 'utf8' }).trim().split('\n')[0]) || undefined;
      } catch {
        return undefined;
      }
    });
    await new Promise((r) => setTimeout(r, 4_000)); // past start-up
    const before = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 10_000));
    results[ladder] = ((cpuSeconds(pid) - before) / 10) * 100;
    publisher.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1_500));
  }
  row('ingest FFmpeg CPU, copy (1280x720 25 fps in)', `${results.copy!.toFixed(1)} % of one core`);
  row('ingest FFmpeg CPU, ladder 720p/480p/360p', `${results['720p,480p,360p']!.toFixed(1)} % of one core (${os.cpus().length} cores here)`);
  row('ratio ladder / copy', `${(results['720p,480p,360p']! / Math.max(results.copy!, 0.1)).toFixed(0)}×`);
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}
