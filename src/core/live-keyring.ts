import fs from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { Config } from './config.js';
import type { Log } from './log.js';
// Types only: an edge uses this file too, and never loads the database code.
import type { SharedKeyState } from './signing-keys.js';
import { loadKeyring, loadSigningKeyring, secretPath, type Keyring, type SigningKey, type SigningKeyring } from './secret-store.js';

/** What a load gives: an edge's keyring has no pepper (edges never hash codes). */
type Loaded = SigningKeyring & Partial<Pick<Keyring, 'pepper'>>;

/**
 * How often data/secret is checked (one stat) and a platform replica reads the database's key
 * state: `keys revoke` promises every service refuses the key within a second, and a check each
 * second would take all of it.
 */
const CHECK_EVERY_MS = 250;
/** How long a platform holds a new key before it signs with it, so that every edge on this host knows it first. */
const ADOPT_DELAY_MS = 3_000;
/** How long the active key may be missing here before it is an error: `keys rotate` writes the file first, the database then. */
const MISSING_GRACE_MS = 5_000;

/**
 * The keyring of a running service, following `streamgate keys rotate` without a restart: data/secret
 * is checked every `CHECK_EVERY_MS` and re-read when it changed. New keys verify at once; a signer
 * adopts a new key only `adoptDelayMs` after this process first held it, so that every edge on this
 * host (checking as often) knows a key before the platform signs a token with it. A file that
 * cannot be read keeps the keys already loaded.
 *
 * A platform replica also follows the database (`readShared`, polled as often): the key that
 * `keys activate` made active is the one it signs with, once its own data/secret holds it; until
 * then it keeps signing with the key it has, logs an error and reports it (`problem`, /healthz).
 * Keys revoked in the database verify nothing here, even before this host's file says so.
 */
export class LiveKeyring implements Keyring {
  private loaded: Loaded;
  private signer: SigningKey;
  private version: string;
  private adoptAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When this process first held each key; 0 for the keys it started with. */
  private readonly heldSince = new Map<string, number>();
  private shared: SharedKeyState | null = null;
  private sharedUnreadable = false;
  private verifying: ReadonlyMap<string, SigningKey>;
  private missingSince: number | null = null;
  private reported: string | null = null;

  private constructor(
    private readonly load: () => Loaded,
    private readonly file: string,
    private readonly adoptDelayMs: number,
    private readonly log: Log,
    private readonly readShared?: () => Promise<SharedKeyState>,
  ) {
    this.loaded = load();
    this.signer = this.loaded.current;
    this.version = versionOf(file);
    for (const kid of this.loaded.byKid.keys()) this.heldSince.set(kid, 0);
    this.verifying = this.loaded.byKid;
  }

  /**
   * The platform's keyring: signs, verifies and hashes codes. Given the database's state
   * (`sharedKeyState`), it signs with the key active there, unless PLAYBACK_SIGNING_SECRET names
   * the one key.
   */
  static forPlatform(config: Config, log: Log, readShared?: () => Promise<SharedKeyState>): LiveKeyring {
    const follow = config.playbackSigningSecret ? undefined : readShared;
    return new LiveKeyring(() => loadKeyring(config), secretPath(config), ADOPT_DELAY_MS, log, follow).start();
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
    return this.verifying;
  }

  get pepper(): KeyObject {
    if (!this.loaded.pepper) throw new Error('an edge keyring has no pepper');
    return this.loaded.pepper;
  }

  /** Why this replica does not sign with the key the database names, or null. */
  get problem(): string | null {
    return this.reported;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reads the database's choice (a platform replica), then `check`s. A failed read keeps the last one. */
  async sync(now = Date.now()): Promise<void> {
    if (this.readShared) {
      try {
        this.shared = await this.readShared();
        if (this.sharedUnreadable) this.log.info('reading the active signing key from the database again');
        this.sharedUnreadable = false;
      } catch (error) {
        // Once per outage, not four times a second.
        if (!this.sharedUnreadable) this.log.warn('cannot read the active signing key from the database; keeping the last known', { error: (error as Error).message });
        this.sharedUnreadable = true;
      }
    }
    this.check(now);
  }

  /** Re-reads the file if it changed; adopts a pending signing key when its delay has passed. */
  check(now = Date.now()): void {
    const version = versionOf(this.file);
    if (version !== this.version) {
      this.version = version;
      try {
        this.loaded = this.load();
        this.adoptAt = now + this.adoptDelayMs;
        for (const kid of this.loaded.byKid.keys()) if (!this.heldSince.has(kid)) this.heldSince.set(kid, now);
        this.log.info('signing keys reloaded', { current: this.loaded.current.kid, keys: this.loaded.byKid.size });
      } catch (error) {
        this.log.error('cannot reload signing keys; keeping the loaded ones', { error: (error as Error).message });
      }
    }
    this.verifying = withoutRevoked(this.loaded.byKid, this.shared?.revoked);
    if (this.shared?.activeKid) this.followShared(this.shared.activeKid, now);
    else this.followFile(now);
  }

  private followFile(now: number): void {
    this.clearProblem();
    // A signer revoked meanwhile (`keys rotate` then `keys revoke` within the delay) is dropped at once.
    const signerRevoked = !this.verifying.has(this.signer.kid);
    if (this.signer.kid !== this.loaded.current.kid && (now >= this.adoptAt || signerRevoked)) this.signer = this.loaded.current;
  }

  private followShared(wanted: string, now: number): void {
    const key = this.verifying.get(wanted);
    if (key) {
      this.clearProblem();
      const signerRevoked = !this.verifying.has(this.signer.kid);
      if (this.signer.kid !== wanted && (now >= (this.heldSince.get(wanted) ?? now) + this.adoptDelayMs || signerRevoked)) {
        this.signer = key;
        this.log.info('signing with the active key', { kid: wanted });
      }
      return;
    }
    this.missingSince ??= now;
    if (!this.verifying.has(this.signer.kid) && this.verifying.has(this.loaded.current.kid)) this.signer = this.loaded.current;
    if (now - this.missingSince < MISSING_GRACE_MS || this.reported !== null) return;
    this.reported = `signing key ${wanted} (active since "keys activate") is not in ${this.file} on this host: still signing with ${this.signer.kid}; copy data/secret here`;
    this.log.error('active signing key missing on this host', { wanted, signing: this.signer.kid, file: this.file });
  }

  private clearProblem(): void {
    this.missingSince = null;
    this.reported = null;
  }

  private start(): this {
    // One sync at a time: a database that does not answer must not pile up a read every tick.
    let syncing = false;
    this.timer = setInterval(() => {
      if (syncing) return;
      syncing = true;
      void this.sync().finally(() => (syncing = false));
    }, CHECK_EVERY_MS);
    this.timer.unref();
    return this;
  }
}

function withoutRevoked(byKid: ReadonlyMap<string, SigningKey>, revoked: ReadonlySet<string> | undefined): ReadonlyMap<string, SigningKey> {
  if (!revoked || ![...byKid.keys()].some((kid) => revoked.has(kid))) return byKid;
  return new Map([...byKid].filter(([kid]) => !revoked.has(kid)));
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
