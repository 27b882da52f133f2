import type { PlaybackClaims } from '../core/playback-token.js';

/**
 * Verified tokens by their exact string, so a segment request costs a map lookup instead of an
 * HMAC. Bounded, evicting the oldest insert first (players swap tokens every 30 s, so the oldest
 * is the least likely to come back), and never serving a token past its `exp`. Revocation is not
 * cached: it is checked on every request.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, PlaybackClaims>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string, nowMs: number): PlaybackClaims | undefined {
    const claims = this.entries.get(token);
    if (!claims) {
      this.misses++;
      return undefined;
    }
    if (claims.exp * 1000 <= nowMs) {
      this.entries.delete(token);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return claims;
  }

  set(token: string, claims: PlaybackClaims): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, claims);
  }

  get size(): number {
    return this.entries.size;
  }
}
