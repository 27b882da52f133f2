import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { HlsKeyStore } from '../core/hls-keys/hls-key-store.js';

/** Plain key files of the keys before the current one stay this many, for FFmpeg still on them. */
const KEEP_PREVIOUS = 1;

/**
 * The key info file FFmpeg's `-hls_key_info_file` reads (with `periodic_rekey`, again at every
 * segment), and the plain key files it names. FFmpeg can only take a key from a file, so each key
 * is written in clear once, into a 0700 folder under data/key-work (never under hls/, which a CDN
 * may mirror), and removed once FFmpeg has moved past it; the whole folder goes on `stop`. The
 * sealed copy in data/keys (HlsKeyStore) is what the edge hands out.
 *
 * The key's URI in FFmpeg's playlist is the plain file's path, so ffprobe can check a fresh VOD
 * before the file is removed; the playlists we serve name `/keys/<eventId>/<keyId>` instead
 * (served-key-uri.ts). Every key has its own random IV, written into the playlist, so a segment
 * decrypts whatever number it gets when playlists are rewritten.
 */
export class KeyRotator {
  readonly keyInfoFile: string;
  private readonly dir: string;
  private readonly keyFiles: string[] = [];
  private rotations = 0;

  /** `keepPrevious`: plain files of earlier keys kept (a VOD import keeps all, for ffprobe's check). */
  constructor(private readonly store: HlsKeyStore, private readonly eventId: string, workRoot: string, private readonly keepPrevious = KEEP_PREVIOUS) {
    this.dir = path.join(workRoot, `${eventId}.${process.pid}.${randomBytes(4).toString('hex')}`);
    this.keyInfoFile = path.join(this.dir, 'keyinfo');
  }

  /** Creates the folder and the first key; call before FFmpeg starts. */
  start(): void {
    fs.mkdirSync(path.dirname(this.dir), { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.dir, { mode: 0o700 });
    this.rotate();
  }

  /** A new key from FFmpeg's next segment on. Returns its id. */
  rotate(): string {
    const { keyId, key } = this.store.create(this.eventId);
    const keyFile = path.join(this.dir, `${keyId}.key`);
    writeFileAtomic(keyFile, key, 0o600);
    const iv = randomBytes(16).toString('hex');
    // FFmpeg reads the file while we write it: it must see the old one or the new one, whole.
    writeFileAtomic(this.keyInfoFile, `${keyFile}\n${keyFile}\n${iv}\n`, 0o600);
    this.keyFiles.push(keyFile);
    while (this.keyFiles.length > this.keepPrevious + 1) fs.rmSync(this.keyFiles.shift()!, { force: true });
    this.rotations += 1;
    return keyId;
  }

  /** How many keys this run made. */
  get keyCount(): number {
    return this.rotations;
  }

  /** Removes every plain key file: FFmpeg has exited. Idempotent. */
  stop(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** data/key-work: plain keys FFmpeg reads, while it runs. */
export function keyWorkRoot(dataDir: string): string {
  return path.join(dataDir, 'key-work');
}

/** Removes the key folders of processes that are gone (killed before `stop`): no plain key outlives its writer. */
export function removeStaleKeyWork(workRoot: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(workRoot);
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(/^[a-z0-9-]+\.(\d+)\.[0-9a-f]{8}$/.exec(name)?.[1]);
    if (!pid || isRunning(pid)) continue;
    fs.rmSync(path.join(workRoot, name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
