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
  keys: { kid: string; secret: string; createdAt: string }[]; // secret: base64, 32 bytes
}

export interface SigningKey {
  readonly kid: string;
  readonly key: KeyObject;
}

export interface Keyring {
  /** Signs new tokens. */
  readonly current: SigningKey;
  /** Verifies tokens, by `kid`; holds retired keys until their tokens have expired. */
  readonly byKid: ReadonlyMap<string, SigningKey>;
  /** Key for HMAC-SHA256 of normalised access codes. */
  readonly pepper: KeyObject;
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

/** Adds a fresh signing key and makes it current; old keys stay for verification. */
export function rotateSigningKey(config: Config, now: Date = new Date()): string {
  const content = readSecretFile(config);
  const kid = newKid();
  content.keys.push({ kid, secret: randomBytes(32).toString('base64'), createdAt: now.toISOString() });
  content.currentKid = kid;
  writeFileAtomic(secretPath(config), `${JSON.stringify(content, null, 2)}\n`, 0o600);
  return kid;
}

export function loadKeyring(config: Config): Keyring {
  const content = readSecretFile(config);
  const byKid = new Map<string, SigningKey>();
  for (const entry of content.keys) {
    byKid.set(entry.kid, { kid: entry.kid, key: createSecretKey(Buffer.from(entry.secret, 'base64')) });
  }
  let current = byKid.get(content.currentKid);
  if (config.playbackSigningSecret) {
    // Every process given the same secret derives the same kid, so platform and edges agree.
    const digest = createHash('sha256').update(config.playbackSigningSecret).digest('hex');
    current = { kid: `env${digest.slice(0, 10)}`, key: createSecretKey(Buffer.from(config.playbackSigningSecret)) };
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
  const digest = createHash('sha256').update(config.playbackSigningSecret).digest('hex');
  const current = { kid: `env${digest.slice(0, 10)}`, key: createSecretKey(Buffer.from(config.playbackSigningSecret)) };
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
  const validKey = (k: { kid?: unknown; secret?: unknown }): boolean =>
    typeof k.kid === 'string' && typeof k.secret === 'string' && Buffer.from(k.secret, 'base64').length >= 32;
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
