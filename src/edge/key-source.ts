import type { Config } from '../core/config.js';
import { HlsKeyStore, HLS_KEY_BYTES } from '../core/hls-keys/hls-key-store.js';
import { loadKeyring } from '../core/secret-store.js';
import type { Log } from '../core/log.js';

/** 403: the origin refused the viewer (it may have heard of a revocation first). */
export type KeyLookup = { status: 200; key: Buffer } | { status: 403 | 404 | 502 | 504; key: null };

/** Where an edge finds an encrypted event's AES-128 keys; the caller has checked the viewer already. */
export interface KeySource {
  get(eventId: string, keyId: string, authorization: string): Promise<KeyLookup>;
}

const UPSTREAM_TIMEOUT_MS = 5_000;
const NOT_FOUND: KeyLookup = { status: 404, key: null };
/** Keys held in memory at once; one a rotation period per live event is few. */
const MAX_KEYS = 10_000;

/**
 * From data/keys, opened with the pepper in data/secret: a local edge shares the data directory
 * (it serves hls/ from it). Keys never change, so those read are kept; an edge without data/secret
 * (PLAYBACK_SIGNING_SECRET alone) has no keys to hand out and answers 404.
 */
export class LocalKeySource implements KeySource {
  private store: HlsKeyStore | null | undefined;
  private readonly known = new Map<string, Buffer>();

  constructor(private readonly config: Config, private readonly log: Log) {}

  async get(eventId: string, keyId: string): Promise<KeyLookup> {
    const cacheKey = `${eventId}/${keyId}`;
    const cached = this.known.get(cacheKey);
    if (cached) return { status: 200, key: cached };
    const key = this.openStore()?.read(eventId, keyId) ?? null;
    if (!key) return NOT_FOUND;
    if (this.known.size >= MAX_KEYS) this.known.delete(this.known.keys().next().value!);
    this.known.set(cacheKey, key);
    return { status: 200, key };
  }

  private openStore(): HlsKeyStore | null {
    if (this.store !== undefined) return this.store;
    try {
      this.store = new HlsKeyStore(this.config.dataDir, loadKeyring(this.config));
    } catch (error) {
      this.log.warn('no data/secret here: encryption keys cannot be handed out (use EDGE_MODE=proxy on a host without the data directory)', { error: (error as Error).message });
      this.store = null;
    }
    return this.store;
  }
}

/**
 * From the origin, with the viewer's own token (the origin checks it again). A key fetched is
 * kept at most `maxAgeMs` (the key's rotation period): a viewer revoked at the origin meanwhile is
 * refused here by the revocation list anyway, and nothing older than one period stays in memory.
 * Viewers asking for one key at once (a rotation: every player wants the new key within a segment
 * duration) share one fetch, as segments do (OriginFetcher); each of them was checked here first.
 * Only the key, or that the origin has none, is shared: a refusal or a failure answers the token
 * that was sent, so each waiter then asks with its own.
 */
export class OriginKeySource implements KeySource {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();
  private readonly inFlight = new Map<string, Promise<KeyLookup>>();

  constructor(
    private readonly originUrl: string,
    private readonly maxAgeMs: number,
    private readonly clock: () => number,
    private readonly onUpstreamFetch: () => void = () => undefined,
  ) {}

  async get(eventId: string, keyId: string, authorization: string): Promise<KeyLookup> {
    const cacheKey = `${eventId}/${keyId}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > this.clock()) return { status: 200, key: cached.key };
    const pending = this.inFlight.get(cacheKey);
    if (pending) {
      const shared = await pending;
      if (shared.status === 200 || shared.status === 404) return shared;
    }
    let flight: Promise<KeyLookup> | null = null;
    flight = this.fetchUpstream(cacheKey, authorization).finally(() => {
      if (this.inFlight.get(cacheKey) === flight) this.inFlight.delete(cacheKey);
    });
    if (!this.inFlight.has(cacheKey)) this.inFlight.set(cacheKey, flight);
    return flight;
  }

  private async fetchUpstream(cacheKey: string, authorization: string): Promise<KeyLookup> {
    this.onUpstreamFetch();
    let response: Response;
    let body: Buffer;
    try {
      response = await fetch(`${this.originUrl}/keys/${cacheKey}`, { headers: { Authorization: authorization }, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      return { status: (error as Error).name === 'TimeoutError' ? 504 : 502, key: null };
    }
    if (response.status === 404) return NOT_FOUND;
    if (response.status === 401 || response.status === 403) return { status: 403, key: null };
    if (!response.ok || body.length !== HLS_KEY_BYTES) return { status: 502, key: null };
    // Kept from when it arrived: never past one rotation period.
    const now = this.clock();
    for (const [k, entry] of this.cache) if (entry.until <= now) this.cache.delete(k);
    if (this.cache.size < MAX_KEYS) this.cache.set(cacheKey, { key: body, until: now + this.maxAgeMs });
    return { status: 200, key: body };
  }
}

/** Hybrid: the local store first, the origin for keys it does not have. */
export class FallbackKeySource implements KeySource {
  constructor(private readonly first: KeySource, private readonly second: KeySource) {}

  async get(eventId: string, keyId: string, authorization: string): Promise<KeyLookup> {
    const local = await this.first.get(eventId, keyId, authorization);
    return local.status === 200 ? local : this.second.get(eventId, keyId, authorization);
  }
}
