import fs from 'node:fs';
import path from 'node:path';
import { EVENT_ID_PATTERN } from '../core/events/event-input.js';

/** The only files the edge serves (SPEC §5), with the types players expect. */
export const HLS_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt; charset=utf-8',
};

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** Read-only: the edge keeps parsed targets and hands the same one to every request for that path. */
export interface HlsTarget {
  readonly eventId: string;
  /** Path inside the event's folder, e.g. `720p/seg_00012.ts`. */
  readonly relativePath: string;
  readonly contentType: string;
  readonly isPlaylist: boolean;
}

/**
 * Parses the still-encoded request path `/<eventId>/<file…>`, decoding it exactly once. Refused
 * (null): encoded separators or dots, backslashes, NUL, `.` or `..` segments, characters beyond
 * [A-Za-z0-9._-], and any extension not in the list. `resolveInside` then checks the disk.
 */
export function parseHlsPath(encodedPath: string): HlsTarget | null {
  if (/%(2f|5c|00|2e)/i.test(encodedPath) || encodedPath.includes('\\')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedPath);
  } catch {
    return null;
  }
  const [empty, eventId, ...segments] = decoded.split('/');
  if (empty !== '' || !eventId || !EVENT_ID_PATTERN.test(eventId) || segments.length === 0 || segments.length > 4) return null;
  if (!segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..' && !s.includes('..'))) return null;
  const relativePath = segments.join('/');
  const contentType = HLS_CONTENT_TYPES[path.extname(relativePath).toLowerCase()];
  if (!contentType) return null;
  return { eventId, relativePath, contentType, isPlaylist: relativePath.endsWith('.m3u8') };
}

/**
 * The file's real path if it exists and really lies inside `root/<eventId>/` (symlinks resolved),
 * else null. Refusing here covers whatever the string checks above might have missed.
 */
export async function resolveInside(hlsRoot: string, target: HlsTarget): Promise<string | null> {
  try {
    const base = await fs.promises.realpath(path.join(hlsRoot, target.eventId));
    const file = await fs.promises.realpath(path.join(base, target.relativePath));
    if (!file.startsWith(base + path.sep)) return null;
    const stat = await fs.promises.stat(file);
    return stat.isFile() ? file : null;
  } catch {
    return null;
  }
}
