/**
 * How long the platform makes a token live (`exp - iat`, STREAMGATE_TOKEN_TTL_SECONDS): read from
 * the token itself, so neither clock matters. Not a verification: the edge does that.
 */
export function tokenLifetimeMs(token: string): number {
  try {
    const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: number; exp?: number };
    const seconds = (claims.exp ?? NaN) - (claims.iat ?? NaN);
    if (seconds > 0) return seconds * 1000;
  } catch {
    // not a JWT we can read: assume the default
  }
  return 300_000;
}

/**
 * The player's heartbeat: every 30 s (SPEC §3), or every quarter of a token's life when that is
 * shorter, so a token is renewed well before it runs out; never more than once a second.
 */
export function heartbeatIntervalMs(token: string): number {
  return Math.max(1_000, Math.min(30_000, tokenLifetimeMs(token) / 4));
}
