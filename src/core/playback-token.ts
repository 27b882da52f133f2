import { createHmac, timingSafeEqual } from 'node:crypto';
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
  /** The signing key's id, from the header: a revoked key's tokens are refused by the edges. */
  kid: string;
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

/** A verified token's claims, with the `kid` of the key that signed it. */
export type VerifiedClaims = Record<string, unknown> & { iat: number; exp: number; kid: string };

const KID = /^[A-Za-z0-9_-]{1,64}$/;
const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
const MAX_TOKEN_LENGTH = 4096;

/**
 * The one verifier, and the only place a token is decoded: whatever the bytes, it returns verified
 * claims or throws a TokenError (never a SyntaxError or a TypeError, which would be a 500).
 * HS256 only, the signature checked before the payload is parsed, exact `iss` and `aud`, `exp`
 * and `iat` required, `iat` not in the future, `exp − iat` bounded, `kid` looked up in the keyring
 * and nowhere else, and a retired key only while a token it signed can still be unexpired.
 */
export function verifyToken(token: string, keyring: Pick<Keyring, 'byKid'>, options: VerifyOptions): VerifiedClaims {
  try {
    return verifyCompactToken(token, keyring, options);
  } catch (error) {
    if (error instanceof TokenError) throw error;
    throw new TokenError(`malformed token: ${(error as Error)?.message ?? String(error)}`);
  }
}

function verifyCompactToken(token: string, keyring: Pick<Keyring, 'byKid'>, options: VerifyOptions): VerifiedClaims {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new TokenError('token missing or too long');
  const parts = COMPACT_JWS.exec(token);
  if (!parts) throw new TokenError('not a compact JWS');
  const [, encodedHeader, encodedPayload, encodedSignature] = parts as unknown as [string, string, string, string];
  const header = decodeJsonObject(encodedHeader, 'header');
  if (header.alg !== 'HS256') throw new TokenError(`algorithm ${JSON.stringify(header.alg)?.slice(0, 20)} refused`);
  if (header.crit !== undefined) throw new TokenError('crit header refused');
  const kid = header.kid;
  if (typeof kid !== 'string' || !KID.test(kid)) throw new TokenError('missing or malformed kid');
  const key = keyring.byKid.get(kid);
  if (!key) throw new TokenError(`unknown kid ${kid}`);

  const expected = createHmac('sha256', key.key).update(`${encodedHeader}.${encodedPayload}`).digest();
  const signature = Buffer.from(encodedSignature, 'base64url');
  // Only the canonical encoding: no second spelling of the same signature.
  if (signature.length !== expected.length || signature.toString('base64url') !== encodedSignature || !timingSafeEqual(signature, expected)) {
    throw new TokenError('invalid signature');
  }

  const payload = decodeJsonObject(encodedPayload, 'payload');
  const now = Math.floor(options.nowMs / 1000);
  const { iss, aud, exp, iat, nbf } = payload;
  if (iss !== ISSUER) throw new TokenError('wrong issuer');
  if (aud !== options.audience) throw new TokenError('wrong audience'); // exactly one, never an array
  if (!Number.isSafeInteger(exp) || !Number.isSafeInteger(iat)) throw new TokenError('exp and iat must be whole numbers');
  const [issuedAt, expiresAt] = [iat as number, exp as number];
  if (now >= expiresAt + CLOCK_TOLERANCE_SECONDS) throw new TokenError('token expired');
  // A future iat would stretch a token's life past every bound below (and past the edges' memory of revocations).
  if (issuedAt > now + CLOCK_TOLERANCE_SECONDS) throw new TokenError('iat in the future');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE_SECONDS)) throw new TokenError('not yet valid (nbf)');
  if (expiresAt < issuedAt) throw new TokenError('exp before iat');
  if (expiresAt - issuedAt > options.maxTtlSeconds) throw new TokenError('lifetime exceeds the maximum');
  if (key.retiredAtMs !== undefined) {
    const retiredAt = Math.floor(key.retiredAtMs / 1000);
    if (issuedAt > retiredAt + RETIRED_KEY_SIGNING_GRACE_SECONDS) throw new TokenError(`token signed after key ${kid} was retired`);
    if (now > retiredAt + retiredKeyLifetimeSeconds(options.maxTtlSeconds)) throw new TokenError(`key ${kid} retired`);
  }
  return { ...payload, iat: issuedAt, exp: expiresAt, kid };
}

/** A base64url part of a token as a JSON object, or a TokenError. */
function decodeJsonObject(encoded: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError(`${part} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenError(`${part} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * A service may still sign with a key for a few seconds after `keys rotate` retired it: LiveKeyring
 * checks data/secret every second and adopts a new signing key 3 s after noticing it.
 */
export const RETIRED_KEY_SIGNING_GRACE_SECONDS = 10;

/**
 * How long after its retirement a key still verifies: the last token it signed (within the grace)
 * may live `maxTtlSeconds`, plus the clock tolerance. After that no token it signed is valid.
 */
export function retiredKeyLifetimeSeconds(maxTtlSeconds: number): number {
  return RETIRED_KEY_SIGNING_GRACE_SECONDS + maxTtlSeconds + CLOCK_TOLERANCE_SECONDS;
}

export function verifyPlaybackToken(token: string, keyring: Pick<Keyring, 'byKid'>, nowMs: number, maxTtlSeconds: number): PlaybackClaims {
  const payload = verifyToken(token, keyring, { audience: PLAYBACK_AUDIENCE, nowMs, maxTtlSeconds });
  const { sub, eid, sid } = payload;
  if (typeof sub !== 'string' || typeof eid !== 'string' || typeof sid !== 'string') throw new TokenError('sub, eid and sid must be strings');
  return { sub, eid, sid, iat: payload.iat, exp: payload.exp, kid: payload.kid };
}

/** The token from an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header) : null;
  return match ? match[1]! : null;
}
