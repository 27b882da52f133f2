import fs from 'node:fs';
import path from 'node:path';
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileAtomic } from './atomic-file.js';
import { AppError, operationalFailure } from './errors.js';
import type { Config } from './config.js';

/**
 * data/secret: the signing keyring and the pepper for access-code hashes. It never enters the
 * database, so a stolen database or backup reveals no code and can sign nothing.
 */
interface SecretFile {
  version: 1;
  pepper: string; // base64, 32 bytes
  currentKid: string;
  keys: SecretFileKey[];
}

interface SecretFileKey {
  kid: string;
  /** base64, 32 bytes; deleted when the key is revoked. */
  secret?: string;
  createdAt: string;
  /** Set by `keys rotate` on the key it replaces: it verifies only while its tokens can be unexpired. */
  retiredAt?: string;
  /** Set by `keys revoke`: it verifies nothing, at once. */
  revokedAt?: string;
  /**
   * Set by `keys add`: the key verifies but signs nothing until `keys activate` makes it current.
   * Copied to every host first, it is known everywhere before any replica signs with it.
   */
  staged?: true;
}

export interface SigningKey {
  readonly kid: string;
  readonly key: KeyObject;
  /** When `keys rotate` retired it (epoch ms); the verifier then bounds how long it still verifies. */
  readonly retiredAtMs?: number;
}

export interface Keyring {
  /** Signs new tokens. */
  readonly current: SigningKey;
  /** Verifies tokens, by `kid`; holds retired keys until their tokens have expired. */
  readonly byKid: ReadonlyMap<string, SigningKey>;
  /** Key for HMAC-SHA256 of normalised access codes. */
  readonly pepper: KeyObject;
  /** Set by a live keyring that cannot sign with the key the database names active (live-keyring.ts). */
  readonly problem?: string | null;
}

export function secretPath(config: Config): string {
  return path.join(config.dataDir, 'secret');
}

function newKid(): string {
  return `k${randomBytes(6).toString('hex')}`;
}

/** Creates data/secret (mode 0600) unless it exists. Returns whether it was created. */
export function ensureSecretFile(config: Config, now: Date = new Date()): boolean {
  const file = secretPath(config);
  if (fs.existsSync(file)) return false;
  const kid = newKid();
  const content: SecretFile = {
    version: 1,
    pepper: randomBytes(32).toString('base64'),
    currentKid: kid,
    keys: [{ kid, secret: randomBytes(32).toString('base64'), createdAt: now.toISOString() }],
  };
  writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
  return true;
}

/**
 * Adds a fresh signing key that verifies but does not sign yet (`keys add`): copy data/secret to
 * every host, then `keys activate` it.
 */
export function addSigningKey(config: Config, now: Date = new Date()): { kid: string } {
  const content = readSecretFile(config);
  const kid = newKid();
  content.keys.push({ kid, secret: randomBytes(32).toString('base64'), createdAt: now.toISOString(), staged: true });
  writeSecretFile(config, content);
  return { kid };
}

/**
 * Makes a key of this file the current one. The keys it replaces are marked retired: they keep
 * verifying the tokens they signed until those have expired, and nothing after. Keys added and
 * not activated stay as they are. `retired` is empty when the key was current already.
 */
export function activateSigningKey(config: Config, kid: string, now: Date = new Date()): { kid: string; retired: string[] } {
  const content = readSecretFile(config);
  const key = content.keys.find((k) => k.kid === kid);
  if (!key) throw new AppError(400, 'unknown_key', `no signing key ${kid} in ${secretPath(config)}: copy data/secret from the host where "keys add" made it`);
  if (key.revokedAt) throw new AppError(400, 'key_revoked', `signing key ${kid} is revoked and can never sign again (see "streamgate keys list")`);
  if (kid === content.currentKid && !key.staged) return { kid, retired: [] };
  const retired: string[] = [];
  for (const other of content.keys) {
    if (other === key || other.retiredAt || other.revokedAt || other.staged) continue;
    other.retiredAt = now.toISOString();
    retired.push(other.kid);
  }
  delete key.staged;
  delete key.retiredAt; // a key retired earlier and activated again signs again
  content.currentKid = kid;
  writeSecretFile(config, content);
  return { kid, retired };
}

/** `keys rotate`: a fresh key, current at once (one host: nothing to copy first). */
export function rotateSigningKey(config: Config, now: Date = new Date()): { kid: string; retired: string[] } {
  const { kid } = addSigningKey(config, now);
  return activateSigningKey(config, kid, now);
}

/**
 * Revokes a signing key: its material is deleted from data/secret, so no process on this host
 * verifies with it once it reloads the file (within a second). The current key cannot be revoked:
 * it is the only one signing (rotate first). Returns false if it was revoked already.
 */
export function revokeSigningKey(config: Config, kid: string, now: Date = new Date()): boolean {
  const content = readSecretFile(config);
  // The file's current key too when PLAYBACK_SIGNING_SECRET signs: it signs again once the variable is unset.
  if (kid === currentSigningKid(config, content) || kid === content.currentKid) {
    throw new AppError(400, 'only_active_key', `${kid} is the only active signing key: run "streamgate keys rotate" first, then revoke it`);
  }
  const key = content.keys.find((k) => k.kid === kid);
  if (!key) throw new AppError(400, 'unknown_key', `no signing key ${kid} in ${secretPath(config)} (see "streamgate keys list")`);
  if (key.revokedAt) return false;
  key.revokedAt = now.toISOString();
  key.retiredAt ??= key.revokedAt;
  delete key.secret;
  writeSecretFile(config, content);
  return true;
}

/** A signing key as `keys list` shows it (never its material). */
export interface SigningKeyInfo {
  kid: string;
  /** `added`: verifies, signs nothing until `keys activate` (copy data/secret to every host first). */
  status: 'active' | 'added' | 'retired' | 'revoked';
  createdAt: string;
  retiredAt: string | null;
  revokedAt: string | null;
  /** Until when a retired key still verifies; null for the active key (and revoked ones, which verify nothing). */
  verifiesUntil: string | null;
}

export function listSigningKeys(config: Config, retiredLifetimeMs: number): SigningKeyInfo[] {
  const content = readSecretFile(config);
  const currentKid = currentSigningKid(config, content);
  const keys: SigningKeyInfo[] = content.keys.map((k) => {
    const status = k.revokedAt ? 'revoked' : k.kid === currentKid ? 'active' : k.staged ? 'added' : 'retired';
    const retiredAt = retiredAtOf(k, content);
    return {
      kid: k.kid,
      status,
      createdAt: k.createdAt,
      retiredAt,
      revokedAt: k.revokedAt ?? null,
      verifiesUntil: status === 'retired' && retiredAt ? new Date(Date.parse(retiredAt) + retiredLifetimeMs).toISOString() : null,
    };
  });
  if (config.playbackSigningSecret) {
    keys.push({ kid: envKid(config.playbackSigningSecret), status: 'active', createdAt: content.keys[0]?.createdAt ?? '', retiredAt: null, revokedAt: null, verifiesUntil: null });
  }
  return keys;
}

/**
 * When a key was retired. Files written before retirement was recorded have only `currentKid`:
 * every other key was retired when the current one was made.
 */
function retiredAtOf(key: SecretFileKey, content: SecretFile): string | null {
  if (key.retiredAt) return key.retiredAt;
  if (key.kid === content.currentKid || key.staged) return null;
  return content.keys.find((k) => k.kid === content.currentKid)?.createdAt ?? null;
}

/** The key that signs: PLAYBACK_SIGNING_SECRET's when it is set, else the file's current one. */
function currentSigningKid(config: Config, content: SecretFile): string {
  return config.playbackSigningSecret ? envKid(config.playbackSigningSecret) : content.currentKid;
}

/** Every process given the same secret derives the same kid, so platform and edges agree. */
function envKid(secret: string): string {
  return `env${createHash('sha256').update(secret).digest('hex').slice(0, 10)}`;
}

function writeSecretFile(config: Config, content: SecretFile): void {
  writeFileAtomic(secretPath(config), `${JSON.stringify(content, null, 2)}\n`, 0o600);
}

export function loadKeyring(config: Config): Keyring {
  const content = readSecretFile(config);
  const byKid = new Map<string, SigningKey>();
  for (const entry of content.keys) {
    if (entry.revokedAt || !entry.secret) continue;
    const retiredAt = retiredAtOf(entry, content);
    const retiredAtMs = retiredAt ? Date.parse(retiredAt) : undefined;
    byKid.set(entry.kid, { kid: entry.kid, key: createSecretKey(Buffer.from(entry.secret, 'base64')), ...(retiredAtMs === undefined ? {} : { retiredAtMs }) });
  }
  let current = byKid.get(content.currentKid);
  if (config.playbackSigningSecret) {
    current = { kid: envKid(config.playbackSigningSecret), key: createSecretKey(Buffer.from(config.playbackSigningSecret)) };
    byKid.set(current.kid, current);
  }
  if (!current) throw operationalFailure(`${secretPath(config)}: currentKid names no key`, 'secret_invalid');
  return { current, byKid, pepper: createSecretKey(Buffer.from(content.pepper, 'base64')) };
}

export type SigningKeyring = Pick<Keyring, 'current' | 'byKid'>;

/**
 * The signing keys alone, for an edge: from data/secret when there is one, else from
 * PLAYBACK_SIGNING_SECRET (an edge on another host needs no data directory).
 */
export function loadSigningKeyring(config: Config): SigningKeyring {
  if (fs.existsSync(secretPath(config)) || !config.playbackSigningSecret) return loadKeyring(config);
  const current = { kid: envKid(config.playbackSigningSecret), key: createSecretKey(Buffer.from(config.playbackSigningSecret)) };
  return { current, byKid: new Map([[current.kid, current]]) };
}

function readSecretFile(config: Config): SecretFile {
  const file = secretPath(config);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError(400, 'not_initialised', `${file} is missing: run "streamgate init" first`);
    }
    throw operationalFailure(`${file}: ${(error as Error).message}`, 'secret_unreadable');
  }
  let parsed: SecretFile;
  try {
    parsed = JSON.parse(raw) as SecretFile;
  } catch {
    throw operationalFailure(`${file} is not valid JSON`, 'secret_invalid');
  }
  const validTime = (t: unknown) => t === undefined || (typeof t === 'string' && Number.isFinite(Date.parse(t)));
  const validKey = (k: SecretFileKey): boolean =>
    typeof k.kid === 'string' &&
    validTime(k.retiredAt) &&
    validTime(k.revokedAt) &&
    (k.staged === undefined || k.staged === true) &&
    (k.revokedAt ? k.secret === undefined : typeof k.secret === 'string' && Buffer.from(k.secret, 'base64').length >= 32);
  if (
    parsed.version !== 1 ||
    typeof parsed.pepper !== 'string' ||
    Buffer.from(parsed.pepper, 'base64').length < 32 ||
    !Array.isArray(parsed.keys) ||
    !parsed.keys.every(validKey)
  ) {
    throw operationalFailure(`${file} is not a StreamGate secret file (version 1)`, 'secret_invalid');
  }
  return parsed;
}

/** The file's permission bits, for start-up checks and `doctor`. */
export function secretFileMode(config: Config): number | null {
  try {
    return fs.statSync(secretPath(config)).mode & 0o777;
  } catch {
    return null;
  }
}
