import fs from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { Config } from './config.js';
import type { Log } from './log.js';
import { loadKeyring, loadSigningKeyring, secretPath, type Keyring, type SigningKey, type SigningKeyring } from './secret-store.js';

/** What a load gives: an edge's keyring has no pepper (edges never hash codes). */
type Loaded = SigningKeyring & Partial<Pick<Keyring, 'pepper'>>;

const CHECK_EVERY_MS = 1_000;

/**
 * The keyring of a running service, following `streamgate keys rotate` without a restart: data/secret
 * is checked every second and re-read when it changed. New keys verify at once; a signer adopts
 * the new current key only `adoptDelayMs` later, so that every edge on this host (checking every
 * second) knows a key before the platform signs a token with it. A file that cannot be read
 * keeps the keys already loaded.
 */
export class LiveKeyring implements Keyring {
  private loaded: Loaded;
  private signer: SigningKey;
  private version: string;
  private adoptAt = 0;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly load: () => Loaded,
    private readonly file: string,
    private readonly adoptDelayMs: number,
    private readonly log: Log,
  ) {
    this.loaded = load();
    this.signer = this.loaded.current;
    this.version = versionOf(file);
  }

  /** The platform's keyring: signs, verifies and hashes codes. */
  static forPlatform(config: Config, log: Log): LiveKeyring {
    return new LiveKeyring(() => loadKeyring(config), secretPath(config), 3 * CHECK_EVERY_MS, log).start();
  }

  /**
   * An edge's keys: from data/secret on this host, followed live; from PLAYBACK_SIGNING_SECRET alone
   * (an edge without a data directory) they never change, and nothing is watched.
   */
  static forEdge(config: Config, log: Log): LiveKeyring {
    const keyring = new LiveKeyring(() => loadSigningKeyring(config), secretPath(config), 0, log);
    return fs.existsSync(secretPath(config)) ? keyring.start() : keyring;
  }

  get current(): SigningKey {
    return this.signer;
  }

  get byKid(): ReadonlyMap<string, SigningKey> {
    return this.loaded.byKid;
  }

  get pepper(): KeyObject {
    if (!this.loaded.pepper) throw new Error('an edge keyring has no pepper');
    return this.loaded.pepper;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads the file if it changed; adopts a pending signing key when its delay has passed. */
  check(now = Date.now()): void {
    const version = versionOf(this.file);
    if (version !== this.version) {
      this.version = version;
      try {
        this.loaded = this.load();
        this.adoptAt = now + this.adoptDelayMs;
        this.log.info('signing keys reloaded', { current: this.loaded.current.kid, keys: this.loaded.byKid.size });
      } catch (error) {
        this.log.error('cannot reload signing keys; keeping the loaded ones', { error: (error as Error).message });
      }
    }
    // A signer revoked meanwhile (`keys rotate` then `keys revoke` within the delay) is dropped at once.
    const signerRevoked = !this.loaded.byKid.has(this.signer.kid);
    if (this.signer.kid !== this.loaded.current.kid && (now >= this.adoptAt || signerRevoked)) this.signer = this.loaded.current;
  }

  private start(): this {
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
    return this;
  }
}

/** Changes with every write: `keys rotate` renames a new file into place (a new inode). */
function versionOf(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
