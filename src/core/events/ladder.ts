import { invalidInput } from '../errors.js';

/**
 * How an event's live stream is written: `copy` (the publisher's H.264/AAC as it is, ~1 % of a
 * core) or an ABR ladder of up to three renditions encoded with libx264 veryfast (~1 core on the
 * 2-core reference machine; a fourth rung with 1080p falls behind there, see MEDIA-NOTES).
 */
export interface Rung {
  name: string;
  height: number;
  videoKbps: number;
}

export const RUNGS: Readonly<Record<string, Rung>> = {
  '1080p': { name: '1080p', height: 1080, videoKbps: 5000 },
  '720p': { name: '720p', height: 720, videoKbps: 2800 },
  '480p': { name: '480p', height: 480, videoKbps: 1400 },
  '360p': { name: '360p', height: 360, videoKbps: 800 },
  '240p': { name: '240p', height: 240, videoKbps: 400 },
};

export const MAX_RUNGS = 3;

/** `copy` → []; `720p,480p,360p` → rungs from the highest down. Throws a usage error otherwise. */
export function parseLadder(spec: string, flag = '--ladder'): Rung[] {
  const trimmed = spec.trim().toLowerCase();
  if (trimmed === 'copy') return [];
  const names = trimmed.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.find((n) => !RUNGS[n]);
  if (unknown !== undefined || names.length === 0) {
    throw invalidInput(`${flag}: "${spec}" is not "copy" or a list of ${Object.keys(RUNGS).join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw invalidInput(`${flag}: "${spec}" names a rendition twice`);
  if (names.length > MAX_RUNGS) throw invalidInput(`${flag}: at most ${MAX_RUNGS} renditions (more fall behind on a 2-core machine)`);
  return names.map((n) => RUNGS[n]!).sort((a, b) => b.height - a.height);
}

/** The canonical spelling stored in the database. */
export function formatLadder(rungs: readonly Rung[]): string {
  return rungs.length === 0 ? 'copy' : rungs.map((r) => r.name).join(',');
}
