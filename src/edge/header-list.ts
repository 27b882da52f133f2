import type { ServerResponse } from 'node:http';

/**
 * Response headers flat, as `res.writeHead(status, list)` takes them: name, value, name, value…
 * The edge builds its answers from lists made once (per allowed origin, per file in memory) and
 * hands each to writeHead whole: no `setHeader` on the hot path, which costs a validation and a
 * map entry per header per request, and makes writeHead merge them again.
 */
export type HeaderList = readonly string[];

/** What every edge answer carries, stand-alone or mounted in the platform: media is never a page. */
export const MEDIA_HEADERS: HeaderList = ['Referrer-Policy', 'no-referrer', 'X-Content-Type-Options', 'nosniff'];

/** `res.writeHead(status, headers)` for a list made once: node only reads it, never keeps or changes it. */
export function writeHead(res: ServerResponse, status: number, headers: HeaderList): ServerResponse {
  return res.writeHead(status, headers as string[]);
}
