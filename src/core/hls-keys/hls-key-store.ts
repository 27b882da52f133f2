import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, type KeyObject } from 'node:crypto';
import { hlsKeySealKey } from '../admin/derived-keys.js';
import { seal, unseal } from '../admin/sealed-secret.js';
import { writeFileAtomic } from '../atomic-file.js';
import { EVENT_ID_PATTERN } from '../events/event-input.js';
import type { Keyring } from '../secret-store.js';

/** An opaque key id: 16 hex digits, random, naming nothing about the event or the time. */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/** The AES-128 key length: the edge answers exactly this many bytes. */
export const HLS_KEY_BYTES = 16;

export interface HlsKey {
  keyId: string;
  key: Buffer;
}

/**
 * data/keys/<eventId>/<keyId>: the AES-128 keys of encrypted events, each sealed (AES-256-GCM
 * under a key derived from the pepper in data/secret), so the folder, a backup or a stray copy
 * alone decrypts no segment. Never in the database, never under hls/ (which a CDN may mirror).
 * Files are written atomically, 0600, in 0700 folders.
 */
export class HlsKeyStore {
  private readonly sealKey: KeyObject;

  constructor(private readonly dataDir: string, keyring: Pick<Keyring, 'pepper'>) {
    this.sealKey = hlsKeySealKey(keyring);
  }

  /** A fresh random key for the event, sealed on disk before it is returned. */
  create(eventId: string): HlsKey {
    const dir = this.eventDir(eventId);
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyId = randomBytes(8).toString('hex');
    const key = randomBytes(HLS_KEY_BYTES);
    writeFileAtomic(path.join(dir, keyId), `${seal(this.sealKey, key.toString('base64'))}\n`, 0o600);
    return { keyId, key };
  }

  /** The key, or null for an id that is malformed, unknown, or sealed under another data/secret. */
  read(eventId: string, keyId: string): Buffer | null {
    if (!EVENT_ID_PATTERN.test(eventId) || !KEY_ID_PATTERN.test(keyId)) return null;
    let sealed: string;
    try {
      sealed = fs.readFileSync(path.join(this.eventDir(eventId), keyId), 'utf8').trim();
    } catch {
      return null;
    }
    try {
      const key = Buffer.from(unseal(this.sealKey, sealed), 'base64');
      return key.length === HLS_KEY_BYTES ? key : null;
    } catch {
      return null;
    }
  }

  /** The event's key ids (for tests and `doctor`); [] when it has none. */
  list(eventId: string): string[] {
    try {
      return fs.readdirSync(this.eventDir(eventId)).filter((name) => KEY_ID_PATTERN.test(name));
    } catch {
      return [];
    }
  }

  private eventDir(eventId: string): string {
    return path.join(hlsKeysRoot(this.dataDir), eventId);
  }
}

export function hlsKeysRoot(dataDir: string): string {
  return path.join(dataDir, 'keys');
}
