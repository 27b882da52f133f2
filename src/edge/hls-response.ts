import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseByteRange } from './byte-range.js';
import { writeHead, type HeaderList } from './header-list.js';
import type { HlsTarget } from './hls-path.js';
import type { HotFile } from './hot-files.js';
import { PUBLIC_SEGMENT_CACHE_CONTROL } from './public-segments.js';

// How the edge answers, once a request has passed every check: the headers, ranges and
// validators Express's sendFile gave, without its per-request stat, open and stream. `base` is
// what the caller puts on every answer (MEDIA_HEADERS, CORS); each answer is one writeHead.

const SEGMENT_CACHE_CONTROL = 'private, max-age=86400, immutable';

/** A JSON answer (errors), never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown, base: HeaderList, extra: HeaderList = []): void {
  const text = JSON.stringify(body);
  res.writeHead(status, [...base, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text)), 'Cache-Control', 'no-store', ...extra]);
  res.end(text);
}

/** What a file's answers need, made once per copy held in memory. */
interface PreparedFile {
  /** Content-Type, Cache-Control, Accept-Ranges and, for segments, ETag and Last-Modified. */
  content: HeaderList;
  /** `content` with the whole file's Content-Length. */
  whole: HeaderList;
  /** Segments only (as `send` gave them): a player's revalidation costs a 304. */
  etag: string | null;
  lastModified: string | null;
  /**
   * A playlist in memory as latin1 text (byte for byte the file). node:http writes a string body
   * together with the headers in one write; a Buffer takes a second chunk and a writev, which
   * for a small playlist costs more than everything else the request does (~10 µs of ~40).
   */
  text: string | null;
}

// Keyed by the cached bytes: a changed file is read into a new Buffer, and what was prepared goes with the old one.
const preparedByBytes = new WeakMap<Buffer, PreparedFile>();
const preparedPublicByBytes = new WeakMap<Buffer, PreparedFile>();

/** `publicSegment`: an encrypted segment on the public path (public-segments.ts), cacheable by anyone. */
function contentHeaders(target: HlsTarget, publicSegment = false): string[] {
  // Live playlists change every segment; segments never change once written.
  const cacheControl = target.isPlaylist ? 'no-store' : publicSegment ? PUBLIC_SEGMENT_CACHE_CONTROL : SEGMENT_CACHE_CONTROL;
  return ['Content-Type', target.contentType, 'Cache-Control', cacheControl, 'Accept-Ranges', 'bytes'];
}

function prepared(target: HlsTarget, file: HotFile, publicSegment: boolean): PreparedFile {
  const byBytes = publicSegment ? preparedPublicByBytes : preparedByBytes;
  const known = file.bytes && byBytes.get(file.bytes);
  if (known) return known;
  const content = contentHeaders(target, publicSegment);
  let etag: string | null = null;
  let lastModified: string | null = null;
  if (!target.isPlaylist) {
    etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    lastModified = new Date(file.mtimeMs).toUTCString();
    content.push('ETag', etag, 'Last-Modified', lastModified);
  }
  const text = file.bytes && target.isPlaylist ? file.bytes.toString('latin1') : null;
  const headers = { content, whole: [...content, 'Content-Length', String(file.size)], etag, lastModified, text };
  if (file.bytes) byBytes.set(file.bytes, headers);
  return headers;
}

/** A body made here (a rewritten playlist, the origin's answer): ranges apply to it too. Returns the body's length sent. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, target: HlsTarget, body: Buffer, base: HeaderList, publicSegment = false): number {
  const content = contentHeaders(target, publicSegment);
  return sendBody(res, body, req.headers.range, [...base, ...content], [...base, ...content, 'Content-Length', String(body.length)]);
}

/**
 * A playlist rewritten here (playlist-answers.ts): as a string, so node:http writes it together
 * with the headers in one write (a Buffer takes a second chunk and a writev, which for a small
 * playlist costs more than the rest of the request); a range, when asked for, as sendBytes does.
 * Returns the body's length.
 */
export function sendPlaylistText(req: IncomingMessage, res: ServerResponse, target: HlsTarget, text: string, base: HeaderList): number {
  if (req.headers.range !== undefined) return sendBytes(req, res, target, Buffer.from(text), base);
  const length = Buffer.byteLength(text);
  res.writeHead(200, [...base, ...contentHeaders(target), 'Content-Length', String(length)]).end(text, 'utf8');
  return length;
}

/**
 * A file of the event's folder: from memory when HotFiles holds it, else streamed from disk.
 * Returns the number of body bytes the answer carries (0 for HEAD, 304 and 416).
 */
export function sendFile(req: IncomingMessage, res: ServerResponse, target: HlsTarget, file: HotFile, base: HeaderList, failed: () => void, publicSegment = false): number {
  const headers = prepared(target, file, publicSegment);
  let rangeHeader = req.headers.range;
  if (headers.etag) {
    if (isFresh(req, headers.etag, file.mtimeMs)) {
      res.writeHead(304, [...base, ...headers.content]).end();
      return 0;
    }
    const ifRange = req.headers['if-range'];
    if (ifRange && ifRange !== headers.etag && ifRange !== headers.lastModified) rangeHeader = undefined;
  }
  // The hot path: a file from memory, its headers (and a playlist's text) made already.
  if (file.bytes) {
    if (!rangeHeader && headers.text !== null) {
      res.writeHead(200, [...base, ...headers.whole]).end(headers.text, 'latin1');
      return req.method === 'HEAD' ? 0 : file.bytes.length;
    }
    const sent = sendBody(res, file.bytes, rangeHeader, [...base, ...headers.content], [...base, ...headers.whole]);
    return req.method === 'HEAD' ? 0 : sent;
  }
  const range = parseByteRange(rangeHeader, file.size);
  if (range === 'unsatisfiable') return unsatisfiable(res, [...base, ...headers.content], file.size);
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  const length = file.size === 0 ? 0 : end - start + 1;
  const answer = () =>
    res.writeHead(range ? 206 : 200, [
      ...base,
      ...headers.content,
      'Content-Length',
      String(length),
      ...(range ? ['Content-Range', `bytes ${start}-${end}/${file.size}`] : []),
    ]);
  if (req.method === 'HEAD' || file.size === 0) {
    answer().end();
    return 0;
  }
  const stream = fs.createReadStream(file.realPath, { start, end });
  stream.once('error', () => (res.headersSent ? res.destroy() : failed()));
  stream.once('open', () => stream.pipe(answer()));
  res.once('close', () => stream.destroy());
  return length;
}

/** `body` whole (`whole`: its 200 headers) or the one range asked for (`content` plus the range's); returns the bytes sent. */
function sendBody(res: ServerResponse, body: Buffer, rangeHeader: string | undefined, content: HeaderList, whole: HeaderList): number {
  const range = parseByteRange(rangeHeader, body.length);
  if (range === null) {
    writeHead(res, 200, whole).end(body);
    return body.length;
  }
  if (range === 'unsatisfiable') return unsatisfiable(res, content, body.length);
  res.writeHead(206, [...content, 'Content-Range', `bytes ${range.start}-${range.end}/${body.length}`, 'Content-Length', String(range.end - range.start + 1)]);
  res.end(body.subarray(range.start, range.end + 1));
  return range.end - range.start + 1;
}

function unsatisfiable(res: ServerResponse, content: HeaderList, size: number): 0 {
  const headers: string[] = [];
  // No Content-Type (there is no body), and not cacheable: the file may yet grow.
  for (let i = 0; i < content.length; i += 2) if (content[i] !== 'Content-Type' && content[i] !== 'Cache-Control') headers.push(content[i]!, content[i + 1]!);
  res.writeHead(416, [...headers, 'Content-Range', `bytes */${size}`, 'Cache-Control', 'no-store', 'Content-Length', '0']).end();
  return 0;
}

function isFresh(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch) return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag.slice(2) || tag.trim() === '*');
  const since = req.headers['if-modified-since'];
  if (!since) return false;
  const sinceMs = Date.parse(since);
  return Number.isFinite(sinceMs) && Math.floor(mtimeMs / 1000) * 1000 <= sinceMs;
}
