import { streamKeySealKey } from '../admin/derived-keys.js';
import { seal, unseal } from '../admin/sealed-secret.js';
import { operationalFailure } from '../errors.js';
import type { Keyring } from '../secret-store.js';

/**
 * Stream keys are stored sealed (AES-256-GCM under a key derived from the pepper in data/secret,
 * which is not in the database), like TOTP secrets: a copy of the database or of a backup lets
 * nobody broadcast. Only the processes holding data/secret (CLI, platform, ingest) see them.
 */
export type StreamKeyring = Pick<Keyring, 'pepper'>;

export function sealStreamKey(keyring: StreamKeyring, streamKey: string): string {
  return seal(streamKeySealKey(keyring), streamKey);
}

/** A plaintext key is 32 characters of [a-z0-9]; a sealed one is `v1.<iv>.<tag>.<body>`. */
export function isSealedStreamKey(stored: string): boolean {
  return stored.startsWith('v1.');
}

export function openStreamKey(keyring: StreamKeyring, stored: string, eventId: string): string {
  try {
    return unseal(streamKeySealKey(keyring), stored);
  } catch {
    throw operationalFailure(`the stream key of event "${eventId}" cannot be unsealed: data/secret is not the one this database was created with`, 'stream_key_unreadable');
  }
}
