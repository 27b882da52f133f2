import fs from 'node:fs';
import type { HotFile } from './hot-files.js';

/** The edge's path for segments served without a token (EDGE_SEGMENT_ACCESS=public). */
export const PUBLIC_SEGMENTS_PATH = '/segments';

/** What public segments answer with: any cache may keep them, they never change. */
export const PUBLIC_SEGMENT_CACHE_CONTROL = 'public, max-age=86400, immutable';

/**
 * A playlist with each segment that is under an AES-128 key pointing at the public path
 * (`<base>/segments/<eventId>/<dir>/<segment>`); segments before any key or under METHOD=NONE (an
 * event recorded in clear before it was switched to encryption) stay relative, behind the token.
 * `base` is SEGMENT_BASE_URL (a CDN), or '' for the edge that served the playlist.
 */
export function withPublicSegments(playlist: string, eventId: string, playlistDir: string, base: string): string {
  if (!playlist.includes('METHOD=AES-128')) return playlist;
  const prefix = `${base}${PUBLIC_SEGMENTS_PATH}/${eventId}/${playlistDir ? `${playlistDir}/` : ''}`;
  let encrypted = false;
  return playlist
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed.startsWith('#EXT-X-KEY:')) encrypted = /METHOD=AES-128\b/.test(trimmed);
      if (!encrypted || trimmed === '' || trimmed.startsWith('#') || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*\.ts$/.test(trimmed)) return line;
      return `${prefix}${trimmed}`;
    })
    .join('\n');
}

/** Whether a URI in a playlist is a public segment's, which must never carry a viewer's token. */
export function isPublicSegmentUri(uri: string): boolean {
  return uri.includes(`${PUBLIC_SEGMENTS_PATH}/`) && uri.endsWith('.ts');
}

const TS_PACKET = 188;
const SYNC = 0x47;

/**
 * Whether a segment's bytes are AES-128 ciphertext rather than MPEG-TS in clear: a clear segment
 * has the sync byte at every packet start and ciphertext is whole 16-byte blocks. The public path
 * serves only ciphertext, so a segment in clear is never public, whatever the setting or the
 * playlist says (fail closed).
 */
export function looksEncrypted(head: Buffer, size: number): boolean {
  if (size === 0 || size % 16 !== 0) return false;
  const clear = [0, TS_PACKET, 2 * TS_PACKET].every((at) => at >= head.length || head[at] === SYNC);
  return !clear;
}

/** The first bytes of a file, enough for `looksEncrypted`. */
export async function headOf(file: HotFile): Promise<Buffer> {
  if (file.bytes) return file.bytes.subarray(0, 2 * TS_PACKET + 1);
  const handle = await fs.promises.open(file.realPath, 'r');
  try {
    const buffer = Buffer.alloc(2 * TS_PACKET + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
