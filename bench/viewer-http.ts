// The HTTP requests of the simulated players (bench/viewers, bench/viewers-cdn): kept-alive
// connections, answers counted rather than kept, a request on a connection the server closed
// under it sent again as a browser would.
import http from 'node:http';

/**
 * A GET as a browser makes it: retried once when a kept-alive connection was closed under it (the
 * server's keep-alive timeout racing the request), which a player never sees.
 */
export async function get(agent: http.Agent, url: string, headers?: Record<string, string>) {
  return retried(agent, url, { headers });
}

/** Any request sent on a reused connection that was closed before it got there is sent again (the server never saw it). */
export async function retried(agent: http.Agent, url: string, options: Parameters<typeof request>[2]) {
  const first = await request(agent, url, options);
  return first.status === 0 && first.reused && first.text === 'ECONNRESET' ? request(agent, url, options) : first;
}

/** A request whose answer is counted, not kept (but for small JSON and playlists); status 0: no answer in time. */
export function request(agent: http.Agent, url: string, options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<{ status: number; bytes: number; text: string; reused: boolean }> {
  return new Promise((resolve) => {
    let reused = false;
    const req = http.request(url, { agent, method: options.method ?? 'GET', headers: options.headers, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      let bytes = 0;
      const keep: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep.length < 4 && !url.endsWith('.ts')) keep.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode!, bytes, text: Buffer.concat(keep).toString(), reused }));
      res.on('error', () => resolve({ status: 0, bytes, text: '', reused }));
    });
    req.on('socket', () => (reused = req.reusedSocket));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, bytes: 0, text: error.code ?? error.message, reused }));
    req.end(options.body);
  });
}

