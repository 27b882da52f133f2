import fs from 'node:fs';
import path from 'node:path';
import { KEY_ID_PATTERN } from '../hls-keys/hls-key-store.js';
import { EVENT_ID_PATTERN } from '../events/event-input.js';
import { ENTRY } from './manifest.js';
import type { TarWriter } from './tar-writer.js';

/**
 * The sealed AES-128 keys of encrypted events (`keys/<eventId>/<keyId>`). Without them an
 * encrypted recording restored elsewhere cannot be played, and they are tiny and useless without
 * the secret the archive holds anyway, so every backup carries them, with or without the media.
 * Only names the key store writes are taken (no temporary file of a key being written, nothing
 * of an event being pruned).
 */
export function addKeys(tar: TarWriter, keysRoot: string): number {
  let files = 0;
  let events: fs.Dirent[];
  try {
    events = fs.readdirSync(keysRoot, { withFileTypes: true });
  } catch {
    return 0;
  }
  tar.directory(ENTRY.keys, Date.now());
  for (const event of events) {
    if (!event.isDirectory() || !EVENT_ID_PATTERN.test(event.name)) continue;
    tar.directory(`${ENTRY.keys}/${event.name}`, Date.now());
    let keys: string[];
    try {
      keys = fs.readdirSync(path.join(keysRoot, event.name)).filter((name) => KEY_ID_PATTERN.test(name));
    } catch {
      continue; // pruned meanwhile
    }
    for (const keyId of keys) if (tar.fileFrom(`${ENTRY.keys}/${event.name}/${keyId}`, path.join(keysRoot, event.name, keyId))) files++;
  }
  return files;
}
