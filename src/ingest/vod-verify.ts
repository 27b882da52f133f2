import fs from 'node:fs';
import path from 'node:path';
import { operationalFailure } from '../core/errors.js';
import { probeMedia } from './media-probe.js';

/** How far the packaged duration may stray from the source's before the output is refused. */
export const DURATION_TOLERANCE_SECONDS = 1;

/**
 * Checks a freshly written VOD before it may replace anything: FFmpeg exits 0 after writing empty
 * files on a full disk, and a truncated source yields a short but well-formed output. The
 * playlist must be finished, every segment it lists must exist and hold data, ffprobe must read
 * the whole and find it as long as the source. Throws one line saying what is wrong.
 */
export async function verifyVod(ffmpegPath: string, playlist: string, expectedSeconds: number, options: { encrypted?: boolean } = {}): Promise<void> {
  const fail = (why: string) => operationalFailure(`the imported VOD failed verification, so the previous one was kept: ${why}`, 'vod_verification_failed');
  let text: string;
  try {
    text = fs.readFileSync(playlist, 'utf8');
  } catch {
    throw fail('FFmpeg wrote no playlist');
  }
  if (!text.includes('#EXT-X-ENDLIST')) throw fail('the playlist is unfinished (no #EXT-X-ENDLIST)');
  const segments = text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  if (segments.length === 0) throw fail('the playlist lists no segment');
  for (const segment of segments) {
    const file = path.join(path.dirname(playlist), segment);
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
    if (size === undefined) throw fail(`segment ${segment} is missing`);
    if (size === 0) throw fail(`segment ${segment} is empty (is the disk full?)`);
  }
  let packaged;
  try {
    // An encrypted VOD's playlist names its plain key files (key-rotator.ts), in our own 0700
    // folder; FFmpeg's HLS reader opens only media extensions unless told otherwise.
    packaged = await probeMedia(ffmpegPath, playlist, options.encrypted ? ['-allowed_extensions', 'ALL'] : []);
  } catch {
    throw fail('ffprobe cannot read the output');
  }
  if (!(Math.abs(packaged.durationSeconds - expectedSeconds) <= DURATION_TOLERANCE_SECONDS)) {
    throw fail(`it lasts ${packaged.durationSeconds.toFixed(1)} s, the source ${expectedSeconds.toFixed(1)} s (a truncated or damaged source?)`);
  }
}
