import { createHmac } from 'node:crypto';
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
  /**
   * An operator's preview (claim `scope: "preview"`, added to SPEC §4's): no code and no session
   * behind it, so edges neither report it as a viewer nor expect heartbeats for it.
   */
  preview?: boolean;
  /**
   * An anonymous viewer of a public event (claims `scope: "public"` and `pub`): the event's
   * `public_since` the token was issued under. Turning public off refuses every such token of the
   * event with a `pub` at or before that moment (edge/revocation-list.ts).
   */
  publicSince?: number;
}

/** The `scope` claim of a preview token; viewers' tokens have none. */
export const PREVIEW_SCOPE = 'preview';
/** The `scope` claim, and the `sub`, of an anonymous viewer's token: no code behind it. */
export const PUBLIC_SCOPE = 'public';

/** Each key's encoded JWT header: the same for every token it signs. */
const encodedHeaders = new WeakMap<SigningKey, string>();

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

/**
 * Signs an HS256 JWT: the very bytes jsonwebtoken's `sign` makes (a test holds them equal), without
 * its checks of options we never vary, which cost twice the HMAC on every validation and heartbeat.
 * Verifying stays jsonwebtoken's (`verifyToken`).
 */
export function signToken(key: SigningKey, audience: string, claims: Record<string, unknown>, nowMs: number, ttlSeconds: number): { token: string; expiresAt: number } {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  let header = encodedHeaders.get(key);
  if (header === undefined) encodedHeaders.set(key, (header = base64url({ alg: 'HS256', typ: 'JWT', kid: key.kid })));
  const signed = `${header}.${base64url({ ...claims, iss: ISSUER, aud: audience, iat, exp })}`;
  const token = `${signed}.${createHmac('sha256', key.key).update(signed).digest('base64url')}`;
  return { token, expiresAt: exp * 1000 };
}

export function signPlaybackToken(key: SigningKey, claims: { codeId: string; eventId: string; sessionId: string }, nowMs: number, ttlSeconds: number) {
  return signToken(key, PLAYBACK_AUDIENCE, { sub: claims.codeId, eid: claims.eventId, sid: claims.sessionId }, nowMs, ttlSeconds);
}

/**
 * An operator's preview of an event: the same audience and checks as a viewer's token (edges verify
 * it by cryptography alone, and an archived event or a revoked key refuses it), with `sub` naming
 * no code (`preview`), a `sid` of its own, and `scope: "preview"`.
 */
export function signPreviewToken(key: SigningKey, claims: { eventId: string; previewId: string }, nowMs: number, ttlSeconds: number) {
  return signToken(key, PLAYBACK_AUDIENCE, { sub: PREVIEW_SCOPE, eid: claims.eventId, sid: claims.previewId, scope: PREVIEW_SCOPE }, nowMs, ttlSeconds);
}

/**
 * An anonymous viewer of a public event: `sub` names no code (`public`), `sid` is its session and
 * `pub` the event's `public_since` (what turning public off revokes).
 */
export function signPublicPlaybackToken(key: SigningKey, claims: { eventId: string; sessionId: string; publicSince: number }, nowMs: number, ttlSeconds: number) {
  return signToken(key, PLAYBACK_AUDIENCE, { sub: PUBLIC_SCOPE, eid: claims.eventId, sid: claims.sessionId, scope: PUBLIC_SCOPE, pub: claims.publicSince }, nowMs, ttlSeconds);
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
  /**
   * A retired (not revoked) key verifies whenever it signed: for edges' feed tokens only. An edge
   * signs them with the key its host's data/secret names current, which stays the retired one on
   * a host that was given data/secret before `keys activate` (several hosts). Retiring bounds
   * viewers' tokens; a leaked key is revoked, and that refuses it here too.
   */
  acceptRetired?: boolean;
}

/** A verified token's claims, with the `kid` of the key that signed it. */
export type VerifiedClaims = Record<string, unknown> & { iat: number; exp: number; kid: string };

const KID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TOKEN_LENGTH = 4096;

/**
 * The one verifier, and the only place a token is decoded: whatever the bytes, it returns verified
 * claims or throws a TokenError (never a SyntaxError or a TypeError, which would be a 500).
 * jsonwebtoken checks the signature (HS256 only), `iss`, `aud` and `exp`; on top of it: `kid`
 * looked up in the keyring and nowhere else, one audience (never an array), `exp` and `iat`
 * required, `iat` not in the future, `exp − iat` bounded, and a retired key only while a token it
 * signed can still be unexpired.
 */
export function verifyToken(token: string, keyring: Pick<Keyring, 'byKid'>, options: VerifyOptions): VerifiedClaims {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new TokenError('token missing or too long');
  const kid = headerOf(token).kid;
  if (typeof kid !== 'string' || !KID.test(kid)) throw new TokenError('missing or malformed kid');
  const key = keyring.byKid.get(kid);
  if (!key) throw new TokenError(`unknown kid ${kid}`);
  const now = Math.floor(options.nowMs / 1000);
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, key.key, {
      algorithms: ['HS256'],
      audience: options.audience,
      issuer: ISSUER,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      clockTimestamp: now,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new TokenError('token expired');
    throw new TokenError(String((error as Error)?.message ?? error).slice(0, 100));
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new TokenError('payload is not a JSON object');
  if (payload.aud !== options.audience) throw new TokenError('wrong audience'); // exactly one, never an array
  const { exp, iat } = payload;
  if (!Number.isSafeInteger(exp) || !Number.isSafeInteger(iat)) throw new TokenError('exp and iat must be whole numbers');
  const [issuedAt, expiresAt] = [iat as number, exp as number];
  // A future iat would stretch a token's life past every bound below (and past the edges' memory of revocations).
  if (issuedAt > now + CLOCK_TOLERANCE_SECONDS) throw new TokenError('iat in the future');
  if (expiresAt < issuedAt) throw new TokenError('exp before iat');
  if (expiresAt - issuedAt > options.maxTtlSeconds) throw new TokenError('lifetime exceeds the maximum');
  if (key.retiredAtMs !== undefined && !options.acceptRetired) {
    const retiredAt = Math.floor(key.retiredAtMs / 1000);
    if (issuedAt > retiredAt + RETIRED_KEY_SIGNING_GRACE_SECONDS) throw new TokenError(`token signed after key ${kid} was retired`);
    if (now > retiredAt + retiredKeyLifetimeSeconds(options.maxTtlSeconds)) throw new TokenError(`key ${kid} retired`);
  }
  return { ...payload, iat: issuedAt, exp: expiresAt, kid };
}

/** A token's header, unverified (it only names the key to verify with), or a TokenError. */
function headerOf(token: string): jwt.JwtHeader {
  let decoded: jwt.Jwt | null;
  try {
    // Throws, rather than returning null, on a payload that is not JSON under a `typ: JWT` header.
    decoded = jwt.decode(token, { complete: true });
  } catch {
    throw new TokenError('malformed token');
  }
  if (!decoded || typeof decoded.header !== 'object') throw new TokenError('malformed token');
  if (decoded.header.alg !== 'HS256') throw new TokenError(`algorithm ${JSON.stringify(decoded.header.alg)?.slice(0, 20)} refused`);
  if ((decoded.header as { crit?: unknown }).crit !== undefined) throw new TokenError('crit header refused');
  return decoded.header;
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
  const claims: PlaybackClaims = { sub, eid, sid, iat: payload.iat, exp: payload.exp, kid: payload.kid };
  if (payload.scope === PREVIEW_SCOPE) claims.preview = true;
  if (payload.scope === PUBLIC_SCOPE) {
    if (!Number.isSafeInteger(payload.pub)) throw new TokenError('a public token needs a whole-number pub');
    claims.publicSince = payload.pub as number;
  }
  return claims;
}

/** The token from an `Authorization: Bearer …` header (the scheme in any case, RFC 7235), or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^bearer +([A-Za-z0-9_.-]+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}
