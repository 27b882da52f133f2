import { verifyPlaybackToken, type PlaybackClaims } from '../core/playback-token.js';
import type { EdgeDeps } from './deps.js';
import type { EdgeMetrics } from './metrics.js';
import { VerifiedTokenCache } from './token-cache.js';

/**
 * A playback token's claims, verified by cryptography once and then looked up (VerifiedTokenCache)
 * until it expires: a player sends the same token with every playlist reload, key and segment.
 * Throws TokenError for a token that does not verify. Revocation is the caller's to check, on
 * every request.
 */
export type ClaimsVerifier = (token: string) => PlaybackClaims;

export function createClaimsVerifier(deps: Pick<EdgeDeps, 'config' | 'keyring' | 'clock'>, metrics: EdgeMetrics): ClaimsVerifier {
  const tokens = new VerifiedTokenCache();
  // Label children looked up once: a labelled inc() hashes its labels on every request.
  const verifyHit = metrics.verifyCache.labels({ result: 'hit' });
  const verifyMiss = metrics.verifyCache.labels({ result: 'miss' });
  return (token) => {
    const now = deps.clock();
    const cached = tokens.get(token, now);
    (cached ? verifyHit : verifyMiss).inc();
    if (cached) return cached;
    const claims = verifyPlaybackToken(token, deps.keyring, now, deps.config.tokenMaxTtlSeconds);
    tokens.set(token, claims);
    return claims;
  };
}
