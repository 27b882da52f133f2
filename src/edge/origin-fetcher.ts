import type { HlsTarget } from './hls-path.js';

export interface OriginResponse {
  /** 400 and 503 only for a blocking reload: the origin's answer, passed on. */
  status: 200 | 400 | 404 | 502 | 503 | 504;
  body: Buffer | null;
}

const UPSTREAM_TIMEOUT_MS = 5_000;
/** LL-HLS requests the origin may hold (a blocking reload, the hinted part): up to three target durations. */
const HELD_UPSTREAM_TIMEOUT_MS = 35_000;
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * Fetches HLS files from an origin (another edge, or any HTTP server laid out as
 * /streams/<eventId>/…). Concurrent requests for one file share one upstream fetch, segments
 * are kept in a bounded cache (they never change), playlists are never cached (live ones change
 * every segment). A slow or broken origin becomes a 504 or 502, never a hanging request.
 */
export class OriginFetcher {
  private readonly inFlight = new Map<string, Promise<OriginResponse>>();
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;
  constructor(
    private readonly originUrl: string,
    private readonly onUpstreamFetch: () => void = () => undefined,
    private readonly maxCacheBytes = DEFAULT_CACHE_BYTES,
  ) {}

  /**
   * `authorization` null: a public segment, fetched from the origin's /segments path without a token.
   * `reload`: a blocking reload's `_HLS_…` query, forwarded as it is; viewers asking for the same
   * part of the same playlist share one held upstream request.
   */
  get(target: HlsTarget, authorization: string | null, reload: string | null = null): Promise<OriginResponse> {
    const key = `${target.eventId}/${target.relativePath}${reload ? `?${reload}` : ''}`;
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve({ status: 200, body: cached });
    const flight = `${authorization === null ? 'public' : 'gated'}:${key}`;
    let pending = this.inFlight.get(flight);
    if (!pending) {
      pending = this.fetchUpstream(key, target, authorization).finally(() => this.inFlight.delete(flight));
      this.inFlight.set(flight, pending);
    }
    return pending;
  }

  private async fetchUpstream(key: string, target: HlsTarget, authorization: string | null): Promise<OriginResponse> {
    this.onUpstreamFetch();
    let response: Response;
    try {
      const held = key.includes('?') || target.relativePath.endsWith('.m4s');
      response = await fetch(`${this.originUrl}${authorization === null ? '/segments' : '/streams'}/${key}`, {
        // The viewer's token was verified here already; an edge origin verifies it again.
        headers: authorization === null ? {} : { Authorization: authorization },
        signal: AbortSignal.timeout(held ? HELD_UPSTREAM_TIMEOUT_MS : UPSTREAM_TIMEOUT_MS),
      });
    } catch (error) {
      return { status: (error as Error).name === 'TimeoutError' ? 504 : 502, body: null };
    }
    if (response.status === 404) return { status: 404, body: null };
    if (key.includes('?') && (response.status === 400 || response.status === 503)) return { status: response.status, body: null };
    if (!response.ok) return { status: 502, body: null };
    let body: Buffer;
    try {
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      return { status: (error as Error).name === 'TimeoutError' ? 504 : 502, body: null };
    }
    if (!target.isPlaylist) this.remember(key, body);
    return { status: 200, body };
  }

  private remember(key: string, body: Buffer): void {
    if (body.length > this.maxCacheBytes / 4) return;
    this.cache.set(key, body);
    this.cachedBytes += body.length;
    for (const [oldKey, old] of this.cache) {
      if (this.cachedBytes <= this.maxCacheBytes) break;
      this.cache.delete(oldKey); // oldest first: live viewers move forward, old segments go cold
      this.cachedBytes -= old.length;
    }
  }
}
