import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import etag from 'etag';
import type { RequestHandler } from 'express';
import type { Log } from '../../core/log.js';
import { clientAddress } from '../../http/client-address.js';
import { errorAnswer } from '../../http/error-handler.js';
import { HSTS_VALUE, isHttpsRequest } from '../../http/hsts.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../../http/request-id.js';
import { logRequestLine } from './request-log.js';

/** What a plain route's handler is given: the parsed body and who sent it. */
export interface PlainRequest {
  body: unknown;
  /** As Express's `req.ip` with STREAMGATE_TRUST_PROXY_HOPS. */
  ip: string | null;
  userAgent: string | null;
}

/** A 200 answer, and the event it concerns for the request log. */
export interface PlainAnswer {
  body: unknown;
  eventId?: string;
}

/** The route's own work: throws AppErrors for refusals, as Express handlers do. */
export type PlainJsonAnswer = (request: PlainRequest) => Promise<PlainAnswer>;

export interface PlainJsonRouteOptions {
  method: string;
  path: string;
  answer: PlainJsonAnswer;
  /** The app's own body readers (json-body.ts): the same limits, media types and errors. */
  readBody: RequestHandler[];
  /** Every platform answer's page-security headers (`headersSetBy(helmet(…))`). */
  pageHeaders: readonly (readonly [string, string])[];
  trustedHops: number;
  log: Log;
}

/**
 * One JSON route answered in the request listener before Express sees the request: the platform's
 * busiest request (every viewer's code, all at once when a show starts) spent more than half its
 * time in Express's per-request setup, its router and a dozen header middlewares. The answer is
 * the one Express would give: the same body reader and error answers, the same headers (Express's
 * weak ETag too), request id and log line. Only the exact method and path are taken here (a query
 * string allowed); anything else goes on to Express, where the same `answer` is mounted as an
 * ordinary route too.
 */
export function plainJsonRoute(options: PlainJsonRouteOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== options.method || pathOf(req.url) !== options.path) return false;
    const requestId = requestIdFor(req);
    answerPlainly(req, res, requestId, options).catch((error: unknown) => {
      // Only a fault of ours gets here (the answer's own refusals are answered): logged as Express's
      // error handler logs it, and the connection closed, since an answer may be half written.
      errorAnswer(error, options.log, { requestId, method: options.method, path: options.path });
      res.destroy();
    });
    return true;
  };
}

function pathOf(url: string | undefined): string | undefined {
  const query = url?.indexOf('?') ?? -1;
  return query === -1 ? url : url!.slice(0, query);
}

async function answerPlainly(req: IncomingMessage, res: ServerResponse, requestId: string, options: PlainJsonRouteOptions): Promise<void> {
  const { method, path, trustedHops, log } = options;
  const started = performance.now();
  const ip = clientAddress(req, trustedHops);
  let status = 200;
  let body: unknown;
  let eventId: string | undefined;
  let retryAfter: number | undefined;
  try {
    for (const step of options.readBody) await runMiddleware(step, req, res);
    const userAgent = req.headers['user-agent'] ?? null;
    ({ body, eventId } = await options.answer({ body: (req as { body?: unknown }).body, ip, userAgent }));
  } catch (error) {
    ({ status, body, retryAfter } = errorAnswer(error, log, { requestId, method, path }));
  }
  // In Express's order: the page-security headers, HSTS, the request id, then the answer's own.
  for (const [name, value] of options.pageHeaders) res.setHeader(name, value);
  if (isHttpsRequest(req, trustedHops)) res.setHeader('Strict-Transport-Security', HSTS_VALUE);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes.length, ETag: etag(bytes, { weak: true }) });
  // Logged once the answer is handed over, as the request log does: a client gone before then gets no line.
  res.once('finish', () => logRequestLine(log, { requestId, method, path, status, started, ip, eventId }));
  res.end(bytes);
}

/** A connect-style middleware (body-parser's) on the bare request, as a promise. */
function runMiddleware(step: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    step(req as Parameters<RequestHandler>[0], res as Parameters<RequestHandler>[1], (error?: unknown) => (error ? reject(error) : resolve()));
  });
}
