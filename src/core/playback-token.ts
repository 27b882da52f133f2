import jwt from 'jsonwebtoken';
import type { Keyring, SigningKey } from './secret-store.js';

export const ISSUER = 'streamgate';
export const PLAYBACK_AUDIENCE = 'streamgate:playback';
/** Edges prove to the platform that they hold the signing secret with a token for this audience. */
export const EDGE_AUDIENCE = 'streamgate:edge';
export const CLOCK_TOLERANCE_SECONDS = 30;

/** SPEC §4. `sub` is the code's id, never the code. */
export interface PlaybackClaims {
  sub: string;
  eid: string;
  sid: string;
  iat: number;
  exp: number;
}

export function signToken(key: SigningKey, audience: string, claims: Record<string, unknown>, nowMs: number, ttlSeconds: number): { token: string; expiresAt: number } {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const token = jwt.sign({ ...claims, iss: ISSUER, aud: audience, iat, exp }, key.key, { algorithm: 'HS256', keyid: key.kid });
  return { token, expiresAt: exp * 1000 };
}

export function signPlaybackToken(key: SigningKey, claims: { codeId: string; eventId: string; sessionId: string }, nowMs: number, ttlSeconds: number) {
  return signToken(key, PLAYBACK_AUDIENCE, { sub: claims.codeId, eid: claims.eventId, sid: claims.sessionId }, nowMs, ttlSeconds);
}

/** Why a token was refused; for the log only, never for the client. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export interface VerifyOptions {
  audience: string;
  nowMs: number;
  /** The longest lifetime (`exp − iat`) accepted: a leaked signing key cannot mint week-long tokens unnoticed. */
  maxTtlSeconds: number;
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The one verifier: HS256 only, exact `iss` and `aud`, `exp` required (jsonwebtoken accepts tokens
 * without it), `exp − iat` bounded, `kid` looked up in the keyring and nowhere else.
 */
export function verifyToken(token: string, keyring: Pick<Keyring, 'byKid'>, options: VerifyOptions): jwt.JwtPayload {
  if (token.length > 4096) throw new TokenError('token too long');
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw new TokenError('malformed token');
  const kid = decoded.header.kid;
  if (typeof kid !== 'string' || !KID.test(kid)) throw new TokenError('missing or malformed kid');
  const key = keyring.byKid.get(kid);
  if (!key) throw new TokenError(`unknown kid ${kid}`);
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key.key, {
      algorithms: ['HS256'],
      audience: options.audience,
      issuer: ISSUER,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      clockTimestamp: Math.floor(options.nowMs / 1000),
    }) as jwt.JwtPayload;
  } catch (error) {
    throw new TokenError((error as Error).message);
  }
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw new TokenError('exp and iat are required');
  if (payload.exp - payload.iat > options.maxTtlSeconds) throw new TokenError('lifetime exceeds the maximum');
  if (payload.aud !== options.audience) throw new TokenError('audience must be exactly one'); // no arrays
  return payload;
}

export function verifyPlaybackToken(token: string, keyring: Pick<Keyring, 'byKid'>, nowMs: number, maxTtlSeconds: number): PlaybackClaims {
  const payload = verifyToken(token, keyring, { audience: PLAYBACK_AUDIENCE, nowMs, maxTtlSeconds });
  const { sub, eid, sid } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof eid !== 'string' || typeof sid !== 'string') throw new TokenError('sub, eid and sid are required');
  return { sub, eid, sid, iat: payload.iat!, exp: payload.exp! };
}

/** The token from an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header) : null;
  return match ? match[1]! : null;
}
