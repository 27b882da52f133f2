import fs from 'node:fs';
import path from 'node:path';
import { blockingTimeoutMs, readReloadRequest, reloadReadiness } from '../core/ll-hls/blocking-reload.js';
import { parseLlPlaylist } from '../core/ll-hls/ll-playlist-parse.js';
import { renderLlPlaylist, type LlPlaylist } from '../core/ll-hls/ll-playlist.js';
import type { HlsTarget } from './hls-path.js';
import type { HotFiles } from './hot-files.js';

/** What a low-latency request comes to: a playlist made here, a refusal, or the file as usual. */
export type HoldOutcome =
  | { kind: 'playlist'; text: string }
  | { kind: 'refuse'; status: 400 | 404 | 503; code: string; message: string }
  | { kind: 'serve' };

/** Longest a preload-hinted part is waited for when its playlist cannot say (no target duration yet). */
const DEFAULT_HOLD_MS = 6_000;
const SERVE: HoldOutcome = { kind: 'serve' };

/**
 * RFC 8216bis 6.2.5 at a local edge: a playlist request with `_HLS_msn` (and `_HLS_part`) is held
 * until the playlist holds that segment or part, `_HLS_skip` gets the delta playlist, and a request
 * for the part the preload hint names is held until the part is written. The edge learns of new
 * files from the folder watch (HotFiles), never by polling the disk. A request too far ahead is
 * 400, one that waited three target durations 503. The caller checks the token before, and
 * again after (`stillAllowed`), as a held request may outlive its viewer's revocation.
 */
export async function holdForLowLatency(files: HotFiles, target: HlsTarget, query: string | null, isClosed: () => boolean): Promise<HoldOutcome> {
  if (target.isPlaylist) return query === null ? SERVE : holdPlaylist(files, target, query, isClosed);
  if (!target.relativePath.endsWith('.m4s')) return SERVE;
  return holdHintedPart(files, target, isClosed);
}

async function holdPlaylist(files: HotFiles, target: HlsTarget, query: string, isClosed: () => boolean): Promise<HoldOutcome> {
  const params = Object.fromEntries(groupQuery(query));
  if (!('_HLS_msn' in params) && !('_HLS_part' in params) && !('_HLS_skip' in params)) return SERVE;
  const request = readReloadRequest(params);
  if ('error' in request) return { kind: 'refuse', status: 400, code: 'bad_request', message: request.error };
  const key = `${target.eventId}/${target.relativePath}`;
  const first = await readPlaylist(files, target);
  if (!first) return SERVE; // not a low-latency playlist: the parameters mean nothing to it
  let playlist = first;
  const deadline = Date.now() + blockingTimeoutMs(first);
  while (request.msn !== null) {
    const changed = files.waitForChange(key, Math.max(0, deadline - Date.now()));
    playlist = (await readPlaylist(files, target)) ?? playlist;
    const readiness = reloadReadiness(playlist, request.msn, request.part);
    if (readiness !== 'wait') changed.cancel();
    if (readiness === 'ready') break;
    if (readiness === 'too-far') return { kind: 'refuse', status: 400, code: 'bad_request', message: 'That segment or part is too far ahead of the live edge.' };
    if (Date.now() >= deadline) return changed.cancel(), { kind: 'refuse', status: 503, code: 'not_yet', message: 'The stream did not reach that part in time.' };
    await changed;
    if (isClosed()) return { kind: 'refuse', status: 503, code: 'gone', message: 'The player went away.' };
  }
  return { kind: 'playlist', text: rendered(playlist, request.skip) };
}

/** A part not written yet that the folder's playlist hints at: held until it is (or the hold times out). */
async function holdHintedPart(files: HotFiles, target: HlsTarget, isClosed: () => boolean): Promise<HoldOutcome> {
  if (await files.get(target)) return SERVE;
  const folder = path.posix.dirname(target.relativePath);
  const playlistTarget: HlsTarget = { ...target, relativePath: folder === '.' ? 'index.m3u8' : `${folder}/index.m3u8`, isPlaylist: true, contentType: 'application/vnd.apple.mpegurl' };
  const playlist = await readPlaylist(files, playlistTarget);
  if (!playlist || playlist.preloadHint !== path.posix.basename(target.relativePath)) return SERVE; // a 404, as for any missing file
  const key = `${target.eventId}/${target.relativePath}`;
  const deadline = Date.now() + (playlist.targetDuration ? blockingTimeoutMs(playlist) : DEFAULT_HOLD_MS);
  for (;;) {
    const changed = files.waitForChange(key, Math.max(0, deadline - Date.now()));
    if (await files.get(target)) return changed.cancel(), SERVE;
    if (Date.now() >= deadline) return changed.cancel(), { kind: 'refuse', status: 404, code: 'not_found', message: 'No such file.' };
    await changed;
    if (isClosed()) return { kind: 'refuse', status: 503, code: 'gone', message: 'The player went away.' };
  }
}

/**
 * Each version of a playlist held in memory, parsed once and rendered once per form: when a part
 * appears, every viewer held for it wakes at once and would otherwise parse and render the same
 * text again, one after the other (bench/ll-edge, 200 viewers: 0.50 cores and 88 ms from a part to
 * its answer at the median without this, 0.18 cores and 46–64 ms with it). Keyed by the cached
 * bytes, so an entry goes with the version it was made from.
 */
const parsedVersions = new WeakMap<Buffer, LlPlaylist | null>();
const renderedVersions = new WeakMap<LlPlaylist, { full?: string; delta?: string }>();

async function readPlaylist(files: HotFiles, target: HlsTarget): Promise<LlPlaylist | null> {
  const file = await files.get(target);
  if (!file) return null;
  if (file.bytes) {
    let playlist = parsedVersions.get(file.bytes);
    if (playlist === undefined) parsedVersions.set(file.bytes, (playlist = parseLlPlaylist(file.bytes.toString('utf8'))));
    return playlist;
  }
  const text = await fs.promises.readFile(file.realPath, 'utf8').catch(() => null);
  return text === null ? null : parseLlPlaylist(text);
}

function rendered(playlist: LlPlaylist, skip: boolean): string {
  let forms = renderedVersions.get(playlist);
  if (!forms) renderedVersions.set(playlist, (forms = {}));
  return skip ? (forms.delta ??= renderLlPlaylist(playlist, { skip })) : (forms.full ??= renderLlPlaylist(playlist, { skip }));
}

/** The query's names with their values: one string, or an array when a name is repeated. */
function groupQuery(query: string): Map<string, string | string[]> {
  const grouped = new Map<string, string | string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    const known = grouped.get(name);
    grouped.set(name, known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value]);
  }
  return grouped;
}
