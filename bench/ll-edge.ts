// Edge cost of LL-HLS blocking reloads: 200 simulated low-latency viewers against a stand-alone
// local edge (`streamgate serve edge`, its own process, reading the ingest's folder), each holding a
// blocking playlist request for the next part (`_HLS_msn`/`_HLS_part`) and fetching every new part,
// as hls.js does; against the same number of normal viewers (a playlist every target duration and
// its newest segment) in the same run. The ingest and platform run in another process (`serve`).
// Only 127.0.0.1. Alone: node dist/bench/run.js ll-edge
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseLlPlaylist } from '../src/core/ll-hls/ll-playlist-parse.js';
import type { LlPlaylist } from '../src/core/ll-hls/ll-playlist.js';
import { publishTestPattern } from '../src/ingest/test-pattern.js';
import { spawnOnFreePorts, startAppliance, waitFor, type Appliance } from '../test/helpers/appliance.js';
import { runCli } from '../test/helpers/cli.js';
import { Cleanup, percentile, row } from './lib.js';
import { cpuSeconds, rssMiB } from './process-usage.js';

const VIEWERS = Number(process.env.BENCH_LL_VIEWERS ?? 200);
const MEASURE_S = Number(process.env.BENCH_LL_SECONDS ?? 30);
const SEGMENT_S = 2;

interface Answer {
  status: number;
  text: string;
}

function get(agent: http.Agent, url: string, token: string): Promise<Answer> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode!, text: url.includes('.m3u8') ? Buffer.concat(chunks).toString('utf8') : '' }));
      response.on('error', () => resolve({ status: 0, text: '' }));
    });
    request.on('error', () => resolve({ status: 0, text: '' }));
  });
}

/**
 * The viewers' playlists parsed once per text: 200 simulated players in one process parsing the same
 * answer 200 times would make this process the bottleneck, and its delays would count as the edge's.
 */
const parsedTexts = new Map<string, LlPlaylist | null>();
function parsed(text: string): LlPlaylist | null {
  let playlist = parsedTexts.get(text);
  if (playlist === undefined) {
    if (parsedTexts.size > 50) parsedTexts.delete(parsedTexts.keys().next().value!);
    parsedTexts.set(text, (playlist = parseLlPlaylist(text)));
  }
  return playlist;
}

/** Every part a low-latency playlist lists, by `msn/index`, in order. */
function partsOf(playlist: LlPlaylist): [string, string][] {
  const listed: [string, string][] = [];
  for (const segment of playlist.segments) segment.parts.forEach((p, i) => listed.push([`${segment.msn}/${i}`, p.uri]));
  playlist.pending.parts.forEach((p, i) => listed.push([`${playlist.pending.msn}/${i}`, p.uri]));
  return listed;
}

/** The part after the newest listed one: what a player's blocking reload asks for. */
function nextPart(playlist: LlPlaylist): { msn: number; part: number } {
  return { msn: playlist.pending.msn, part: playlist.pending.parts.length };
}

/** When each part first showed in the ingest's playlist (the bench watches the folder, as the edge does). */
function watchPartsAppearing(dir: string): { appeared: Map<string, number>; stop(): void } {
  const appeared = new Map<string, number>();
  const look = () => {
    try {
      const playlist = parseLlPlaylist(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'));
      if (playlist) for (const [key] of partsOf(playlist)) if (!appeared.has(key)) appeared.set(key, Date.now());
    } catch {
      // renamed over meanwhile: the next event reads it
    }
  };
  const watcher = fs.watch(dir, look);
  return { appeared, stop: () => watcher.close() };
}

interface Tally {
  requests: number;
  errors: string[];
  /** Normal: ms per playlist + segment. */
  ms: number[];
  /** Low latency: when the blocked reload for each part (`msn/index`) was answered. */
  answered: [string, number][];
}

/** One hls.js-like low-latency player: a blocking reload for the next part, then the new parts, again and again. */
async function lowLatencyViewer(playlistUrl: string, token: string, tally: Tally, until: () => boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
  let playlist: LlPlaylist | null = null;
  let seen = new Set<string>();
  while (!until()) {
    const query = playlist ? `?_HLS_msn=${nextPart(playlist).msn}&_HLS_part=${nextPart(playlist).part}` : '';
    const asked = playlist ? nextPart(playlist) : null;
    const answer = await get(agent, playlistUrl + query, token);
    const answeredAt = Date.now();
    tally.requests += 1;
    if (answer.status !== 200) {
      tally.errors.push(`playlist ${answer.status}`);
      playlist = null;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const next = parsed(answer.text);
    if (!next) {
      tally.errors.push('not a low-latency playlist');
      continue;
    }
    if (asked) tally.answered.push([`${asked.msn}/${asked.part}`, answeredAt]);
    const listed = partsOf(next);
    // The first playlist: start at the live edge, as hls.js does, with the newest part.
    const fresh = playlist ? listed.filter(([key]) => !seen.has(key)) : listed.slice(-1);
    seen = new Set(listed.map(([key]) => key));
    playlist = next;
    for (const [, uri] of fresh) {
      const part = await get(agent, base + uri, token);
      tally.requests += 1;
      if (part.status !== 200) tally.errors.push(`part ${part.status}`);
    }
  }
  agent.destroy();
}

/** One normal player: the playlist every target duration, and its newest segment when new. */
async function normalViewer(playlistUrl: string, token: string, tally: Tally, until: () => boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
  let last = '';
  await new Promise((r) => setTimeout(r, Math.random() * SEGMENT_S * 1000)); // players do not all start at once
  while (!until()) {
    const started = Date.now();
    const answer = await get(agent, playlistUrl, token);
    tally.requests += 1;
    if (answer.status !== 200) tally.errors.push(`playlist ${answer.status}`);
    const newest = answer.text.split('\n').filter((line) => line.endsWith('.ts')).at(-1);
    if (newest && newest !== last) {
      const segment = await get(agent, base + newest, token);
      tally.requests += 1;
      if (segment.status !== 200) tally.errors.push(`segment ${segment.status}`);
      last = newest;
    }
    tally.ms.push(Date.now() - started);
    await new Promise((r) => setTimeout(r, Math.max(0, SEGMENT_S * 1000 - (Date.now() - started))));
  }
  agent.destroy();
}

/** Validated playback tokens for `count` fresh codes of `eventId`, one device each. */
async function tokens(app: Appliance, eventId: string, count: number): Promise<string[]> {
  const codes = await app.codes(count, eventId);
  return Promise.all(codes.map(async (code, i) => {
    const response = await fetch(`${app.platformUrl}/api/tokens/validate`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId: `bench-ll-${eventId}-${i}` }),
    });
    if (response.status !== 200) throw new Error(`validate ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }));
}

interface PhaseResult {
  cores: number;
  /** This process: the simulated players (if near 1, their delays are partly the bench's own). */
  clientCores: number;
  rss: number;
  heldMean: number;
  heldMax: number;
  tally: Tally;
  seconds: number;
}

/** Publishes `eventId`, starts `VIEWERS` players against the edge, and measures the edge over MEASURE_S seconds. */
async function phase(app: Appliance, cleanup: Cleanup, edge: { url: string; pid: number }, eventId: string, latency: 'low' | 'normal'): Promise<PhaseResult> {
  const created = await runCli(['events', 'create', '--title', eventId, '--id', eventId, '--latency', latency, '--json'], { dataDir: app.dataDir });
  if (created.code !== 0) throw new Error(created.stderr);
  await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads keys every second
  const publisher = publishTestPattern({
    ffmpegPath: 'ffmpeg', publishUrl: `${app.rtmpUrl}/${JSON.parse(created.stdout).streamKey}`, seconds: MEASURE_S + 40, keyframeSeconds: latency === 'low' ? 1 : 2,
  });
  cleanup.after(() => publisher.kill('SIGKILL'));
  const dir = path.join(app.dataDir, 'hls', eventId);
  await waitFor('a few segments', () => (fs.existsSync(path.join(dir, 'index.m3u8')) && fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8').split('#EXTINF').length > 3), 40_000);
  const watch = watchPartsAppearing(dir);
  const viewerTokens = await tokens(app, eventId, VIEWERS);
  const playlistUrl = `${edge.url}/streams/${eventId}/index.m3u8`;
  const tally: Tally = { requests: 0, errors: [], ms: [], answered: [] };
  let stopped = false;
  const viewers = viewerTokens.map((token) =>
    latency === 'low' ? lowLatencyViewer(playlistUrl, token, tally, () => stopped) : normalViewer(playlistUrl, token, tally, () => stopped));
  await new Promise((r) => setTimeout(r, 5_000)); // every viewer at the live edge
  Object.assign(tally, { requests: 0, errors: [], ms: [], answered: [] });
  const cpuBefore = cpuSeconds(edge.pid);
  const clientBefore = process.cpuUsage();
  const started = Date.now();
  const held: number[] = [];
  let rss = 0;
  while (Date.now() - started < MEASURE_S * 1000) {
    await new Promise((r) => setTimeout(r, 1_000));
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    held.push(Number(/^streamgate_edge_held_requests (\d+)/m.exec(metrics)?.[1] ?? 0));
    rss = Math.max(rss, rssMiB(edge.pid));
  }
  const seconds = (Date.now() - started) / 1000;
  const cores = (cpuSeconds(edge.pid) - cpuBefore) / seconds;
  const client = process.cpuUsage(clientBefore);
  const result = { cores, clientCores: (client.user + client.system) / 1e6 / seconds, rss, heldMean: held.reduce((a, b) => a + b, 0) / held.length, heldMax: Math.max(...held), tally: { ...tally, errors: [...tally.errors], ms: [...tally.ms], answered: [...tally.answered] }, seconds };
  stopped = true;
  await Promise.race([Promise.all(viewers), new Promise((r) => setTimeout(r, 10_000))]);
  watch.stop();
  // Compared once all is in: the bench's watch may hear of a part a moment after the edge answered.
  for (const [key, at] of result.tally.answered) {
    const appearedAt = watch.appeared.get(key);
    if (appearedAt !== undefined) result.tally.ms.push(at - appearedAt);
  }
  publisher.kill('SIGKILL');
  return result;
}

const errorsText = (errors: string[]) => {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  return errors.length === 0 ? '0' : `${errors.length} (${[...counts].map(([e, n]) => `${n}× ${e}`).join(', ')})`;
};

export async function benchLowLatencyEdge(): Promise<void> {
  console.log(`\n## edge: ${VIEWERS} low-latency viewers (blocking reloads) against ${VIEWERS} normal ones (bench/ll-edge)`);
  const cleanup = new Cleanup();
  try {
    const app = await startAppliance(cleanup);
    // The measured edge: a process of its own, reading the ingest's folder, as on an ingest host.
    const serving = await spawnOnFreePorts(['serve', 'edge'], { STREAMGATE_DATA_DIR: app.dataDir, PLATFORM_URL: app.platformUrl }, /edge listening/);
    cleanup.after(async () => {
      serving.child.kill('SIGKILL');
      await serving.closed;
    });
    const edge = { url: serving.ports.EDGE_PUBLIC_URL, pid: serving.child.pid! };
    const low = await phase(app, cleanup, edge, 'll-low', 'low');
    const normal = await phase(app, cleanup, edge, 'll-normal', 'normal');
    const rate = (r: PhaseResult) => `${(r.tally.requests / r.seconds).toFixed(0)} req/s`;
    row(`baseline: ${VIEWERS} normal viewers, edge CPU / RSS`, `${normal.cores.toFixed(2)} cores, ${normal.rss.toFixed(0)} MiB, ${rate(normal)}, errors ${errorsText(normal.tally.errors)}`);
    row('baseline: playlist + segment per viewer, p50 / p99', `${percentile(normal.tally.ms, 50)} / ${percentile(normal.tally.ms, 99)} ms`);
    row(`${VIEWERS} low-latency viewers, edge CPU / RSS`, `${low.cores.toFixed(2)} cores, ${low.rss.toFixed(0)} MiB, ${rate(low)}, errors ${errorsText(low.tally.errors)}`);
    row('low latency: blocking reloads held at the edge', `mean ${low.heldMean.toFixed(0)}, max ${low.heldMax} (of ${VIEWERS} viewers)`);
    row('low latency: part appears → reload answered, p50 / p99', `${percentile(low.tally.ms, 50)} / ${percentile(low.tally.ms, 99)} ms (p90 ${percentile(low.tally.ms, 90)}) over ${low.tally.ms.length} reloads (goal: within one part, ~235 ms)`);
    row('the simulated players (this process), CPU low / normal', `${low.clientCores.toFixed(2)} / ${normal.clientCores.toFixed(2)} cores (${os.cpus().length} cores here; load average ${os.loadavg()[0]!.toFixed(1)})`);
    row('edge CPU low latency / normal', `${(low.cores / Math.max(normal.cores, 0.001)).toFixed(1)}× (${((low.cores / VIEWERS) * 1000).toFixed(1)} millicores per low-latency viewer)`);
  } finally {
    await cleanup.run();
  }
}
