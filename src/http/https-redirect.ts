import http from 'node:http';

/**
 * Where a plain-HTTP request is sent (308 keeps the method and body): to the origin of
 * PLATFORM_URL when that is an https URL (the operator's public name and port), else to the name
 * the browser asked for, on the HTTPS port.
 */
export function httpsLocation(req: http.IncomingMessage, platformUrl: string, httpsPort: number): string {
  const pathAndQuery = req.url?.startsWith('/') ? req.url : '/';
  const configured = new URL(platformUrl);
  if (configured.protocol === 'https:') return `${configured.origin}${pathAndQuery}`;
  let hostname = configured.hostname;
  if (req.headers.host && URL.canParse(`http://${req.headers.host}`)) hostname = new URL(`http://${req.headers.host}`).hostname;
  return `https://${hostname}${httpsPort === 443 ? '' : `:${httpsPort}`}${pathAndQuery}`;
}

/** STREAMGATE_HTTP_REDIRECT_PORT: a listener that only sends browsers to HTTPS. */
export function createHttpsRedirectServer(location: (req: http.IncomingMessage) => string): http.Server {
  const server = http.createServer((req, res) => {
    const body = 'This site is served over HTTPS.\n';
    res.writeHead(308, { Location: location(req), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return server;
}
