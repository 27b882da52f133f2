import type { Config } from './config.js';
import { CLOCK_TOLERANCE_SECONDS } from './playback-token.js';

// Apart from the feed itself (revocation-feed.ts), which touches the database: edges need these
// numbers and must never load the database code.

/**
 * How long a feed entry matters: the longest a token may live plus the verifiers' clock tolerance.
 * Past that, every token it could match has expired. Edges keep entries this long.
 */
export function revocationRetentionMs(config: Config): number {
  return (config.tokenMaxTtlSeconds + CLOCK_TOLERANCE_SECONDS) * 1000;
}

/** How far back the platform serves the feed: the retention plus a margin for clock skew between hosts. */
export function feedWindowMs(config: Config): number {
  return revocationRetentionMs(config) + 30_000;
}
