import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseByteRange } from './byte-range.js';
import type { HlsTarget } from './hls-path.js';
import type { HotFile } from './hot-files.js';

// How the edge answers, once a request has passed every check: the headers, ranges and
// validators Express's sendFile gave, without its per-request stat, open and stream.

const SEGMENT_MAX_AGE_S = 86_400;

/** A JSON answer (errors), never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

function cachingHeaders(res: ServerResponse, target: HlsTarget): void {
  res.setHeader('Content-Type', target.contentType);
  // Live playlists change every segment; segments never change once written.
  res.setHeader('Cache-Control', target.isPlaylist ? 'no-store' : `private, max-age=${SEGMENT_MAX_AGE_S}, immutable`);
  res.setHeader('Accept-Ranges', 'bytes');
}

/** A body made here (a rewritten playlist, the origin's answer): ranges apply to it too. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, target: HlsTarget, body: Buffer): void {
  cachingHeaders(res, target);
  const range = parseByteRange(req.headers.range, body.length);
  if (range === 'unsatisfiable') return unsatisfiable(res, body.length);
  if (range) {
    res.writeHead(206, { 'Content-Range': `bytes ${range.start}-${range.end}/${body.length}`, 'Content-Length': range.end - range.start + 1 });
    return void res.end(body.subarray(range.start, range.end + 1));
  }
  res.writeHead(200, { 'Content-Length': body.length });
  res.end(body);
}

/** A file of the event's folder: from memory when HotFiles holds it, else streamed from disk. */
export function sendFile(req: IncomingMessage, res: ServerResponse, target: HlsTarget, file: HotFile, failed: () => void): void {
  cachingHeaders(res, target);
  if (!target.isPlaylist) {
    // As `send` did for segments: validators, so a player's revalidation costs a 304.
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const lastModified = new Date(file.mtimeMs).toUTCString();
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', lastModified);
    if (isFresh(req, etag, file.mtimeMs)) {
      res.writeHead(304);
      return void res.end();
    }
    const ifRange = req.headers['if-range'];
    if (ifRange && ifRange !== etag && ifRange !== lastModified) delete req.headers.range;
  }
  if (file.bytes) return sendBytes(req, res, target, file.bytes);
  const range = parseByteRange(req.headers.range, file.size);
  if (range === 'unsatisfiable') return unsatisfiable(res, file.size);
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  if (req.method === 'HEAD' || file.size === 0) {
    res.writeHead(range ? 206 : 200, { 'Content-Length': file.size === 0 ? 0 : end - start + 1, ...(range && { 'Content-Range': `bytes ${start}-${end}/${file.size}` }) });
    return void res.end();
  }
  const stream = fs.createReadStream(file.realPath, { start, end });
  stream.once('error', () => (res.headersSent ? res.destroy() : failed()));
  stream.once('open', () => {
    res.writeHead(range ? 206 : 200, { 'Content-Length': end - start + 1, ...(range && { 'Content-Range': `bytes ${start}-${end}/${file.size}` }) });
    stream.pipe(res);
  });
  res.once('close', () => stream.destroy());
}

function unsatisfiable(res: ServerResponse, size: number): void {
  res.removeHeader('Content-Type');
  res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

function isFresh(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch) return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag.slice(2) || tag.trim() === '*');
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}
