import jwt from 'jsonwebtoken';
import { signToken, TokenError, verifyToken } from '../playback-token.js';
import type { Keyring, SigningKey } from '../secret-store.js';

/**
 * A personal link token: what the "Watch in VLC / on a TV" URL carries in `?token=`. It names a
 * code (`sub`), an event (`eid`) and a link (`lid`, the device id of the sessions it opens), and
 * lives until the code expires. It is no playback token: its audience is its own, so no verifier
 * of playback tokens accepts it. An edge exchanges it with the platform for a session, and the
 * platform re-checks the code, the event and single-device use at every exchange.
 */
export const LINK_AUDIENCE = 'streamgate:link';

/** Codes rarely live longer; a link for a longer-lived code ends here and the viewer asks for a new one. */
export const LINK_MAX_TTL_SECONDS = 400 * 86_400;

export interface LinkClaims {
  sub: string;
  eid: string;
  lid: string;
  iat: number;
  exp: number;
  /** The signing key's id: a revoked key's links are refused too. */
  kid: string;
}

export function signLinkToken(key: SigningKey, claims: { codeId: string; eventId: string; linkId: string }, nowMs: number, codeExpiresAtMs: number) {
  const ttlSeconds = Math.min(LINK_MAX_TTL_SECONDS, Math.max(1, Math.floor((codeExpiresAtMs - nowMs) / 1000)));
  return signToken(key, LINK_AUDIENCE, { sub: claims.codeId, eid: claims.eventId, lid: claims.linkId }, nowMs, ttlSeconds);
}

export function verifyLinkToken(token: string, keyring: Pick<Keyring, 'byKid'>, nowMs: number): LinkClaims {
  const payload = verifyToken(token, keyring, { audience: LINK_AUDIENCE, nowMs, maxTtlSeconds: LINK_MAX_TTL_SECONDS });
  const { sub, eid, lid } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof eid !== 'string' || typeof lid !== 'string') throw new TokenError('sub, eid and lid are required');
  return { sub, eid, lid, iat: payload.iat, exp: payload.exp, kid: payload.kid };
}

/** Whether a token claims to be a link token (unverified: it only picks the verifier). */
export function isLinkToken(token: string): boolean {
  try {
    return jwt.decode(token, { json: true })?.aud === LINK_AUDIENCE;
  } catch {
    return false; // not JSON where JSON belongs: the verifier says so with a 401
  }
}
