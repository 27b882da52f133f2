import type { LlPlaylist } from './ll-playlist.js';

/** What a playlist request asks for (RFC 8216bis 6.2.5): the segment and part to wait for, and a delta. */
export interface ReloadRequest {
  msn: number | null;
  part: number | null;
  skip: boolean;
}

/** Parts a request may run ahead of the last one (RFC 8216bis 6.2.5.2, the Advance Part Limit). */
export const ADVANCE_PART_LIMIT = 3;

const NON_NEGATIVE_INTEGER = /^(0|[1-9][0-9]{0,9})$/;

/**
 * `_HLS_msn`, `_HLS_part` and `_HLS_skip` from a query, or a one-line reason it is malformed:
 * a part without a segment, a number that is not one, a skip other than YES or v2.
 */
export function readReloadRequest(query: Record<string, unknown>): ReloadRequest | { error: string } {
  const one = (name: string): string | null | { error: string } => {
    const value = query[name];
    if (value === undefined) return null;
    return typeof value === 'string' ? value : { error: `${name} is given more than once` };
  };
  const msn = one('_HLS_msn');
  const part = one('_HLS_part');
  const skip = one('_HLS_skip');
  for (const value of [msn, part, skip]) if (value !== null && typeof value === 'object') return value;
  const number = (name: string, value: string | null): number | null | { error: string } => {
    if (value === null) return null;
    return NON_NEGATIVE_INTEGER.test(value) ? Number(value) : { error: `${name} must be a whole number` };
  };
  const msnNumber = number('_HLS_msn', msn as string | null);
  const partNumber = number('_HLS_part', part as string | null);
  if (msnNumber !== null && typeof msnNumber === 'object') return msnNumber;
  if (partNumber !== null && typeof partNumber === 'object') return partNumber;
  if (partNumber !== null && msnNumber === null) return { error: '_HLS_part needs _HLS_msn' };
  if (skip !== null && skip !== 'YES' && skip !== 'v2') return { error: '_HLS_skip must be YES or v2' };
  return { msn: msnNumber, part: partNumber, skip: skip !== null };
}

export type Readiness = 'ready' | 'wait' | 'too-far';

/**
 * Whether the playlist answers a blocking reload now: it holds segment `msn` (whole), or part
 * `part` of the segment being built. A finished stream answers everything. A request past the
 * next segment but one, or more than the Advance Part Limit past the last part, is too far
 * ahead to wait for (the server answers 400).
 */
export function reloadReadiness(playlist: LlPlaylist, msn: number, part: number | null): Readiness {
  if (playlist.ended) return 'ready';
  const { pending } = playlist;
  if (msn < pending.msn) return 'ready';
  if (msn === pending.msn && part !== null && part < pending.parts.length) return 'ready';
  const lastListed = pending.parts.length > 0 ? pending.msn : pending.msn - 1;
  if (msn > lastListed + 2) return 'too-far';
  if (part !== null) {
    // Counted from the pending segment's first part; the next segment's parts come after its own.
    const wanted = msn === pending.msn ? part : pending.parts.length + part;
    if (wanted - (pending.parts.length - 1) > ADVANCE_PART_LIMIT) return 'too-far';
  }
  return 'wait';
}

/** How long a blocking reload may be held before the server gives up (503): three target durations. */
export function blockingTimeoutMs(playlist: Pick<LlPlaylist, 'targetDuration'>): number {
  return playlist.targetDuration * 3 * 1000;
}
