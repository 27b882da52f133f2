import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { Keyring, SigningKey } from '../secret-store.js';

/**
 * Keys derived from the pepper in data/secret, one per purpose. The pepper never leaves the
 * platform host (edges hold only the playback signing key), so an edge cannot mint an admin
 * session, and a playback token, signed with another key, never passes as one.
 */
function derive(keyring: Pick<Keyring, 'pepper'>, purpose: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', keyring.pepper.export(), Buffer.alloc(0), `streamgate:${purpose}`, 32)));
}

export const ADMIN_KID = 'admin';

/** Signs and verifies console login sessions (audience streamgate:admin). */
export function adminSessionKey(keyring: Pick<Keyring, 'pepper'>): SigningKey {
  return { kid: ADMIN_KID, key: derive(keyring, 'admin-session') };
}

/** Seals TOTP secrets in the database, so a copy of the database alone cannot produce codes. */
export function totpSealKey(keyring: Pick<Keyring, 'pepper'>): KeyObject {
  return derive(keyring, 'totp-seal');
}

/** Seals events' stream keys in the database: whoever has the key can broadcast on the event. */
export function streamKeySealKey(keyring: Pick<Keyring, 'pepper'>): KeyObject {
  return derive(keyring, 'stream-key-seal');
}

/** Seals webhooks' signing secrets in the database: whoever has one can forge deliveries. */
export function webhookSecretSealKey(keyring: Pick<Keyring, 'pepper'>): KeyObject {
  return derive(keyring, 'webhook-secret-seal');
}

/**
 * Seals the AES-128 keys of encrypted events in data/keys: a copy of that folder alone decrypts
 * nothing. Processes holding data/secret (CLI, ingest, a local edge) can open them.
 */
export function hlsKeySealKey(keyring: Pick<Keyring, 'pepper'>): KeyObject {
  return derive(keyring, 'hls-key-seal');
}
