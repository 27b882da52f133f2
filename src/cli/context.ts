import { systemClock, type Clock } from '../core/clock.js';
import { loadConfig, type Config } from '../core/config.js';
import type { Db } from '../core/db/database.js';
import type { Keyring } from '../core/secret-store.js';
import { makeOutput, type Output } from './output.js';

/** The options every command takes (SPEC §2). */
export interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
}

/**
 * What a command works with. The database and the keyring open on first use, so a command
 * that needs neither (help, doctor's early checks) pays nothing for them.
 */
export class CommandContext {
  readonly config: Config;
  readonly out: Output;
  readonly clock: Clock;
  private dbPromise: Promise<Db> | null = null;
  private keyringValue: Keyring | null = null;

  constructor(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock) {
    this.config = loadConfig(env, { dataDir: options.dataDir });
    this.out = makeOutput(Boolean(options.json), env);
    this.clock = clock;
  }

  db(): Promise<Db> {
    this.dbPromise ??= import('../core/db/database.js').then((m) => m.openDatabase(this.config));
    return this.dbPromise;
  }

  async keyring(): Promise<Keyring> {
    if (!this.keyringValue) {
      const { loadKeyring } = await import('../core/secret-store.js');
      this.keyringValue = loadKeyring(this.config);
    }
    return this.keyringValue;
  }

  async close(): Promise<void> {
    if (this.dbPromise) await (await this.dbPromise.catch(() => null))?.destroy();
  }
}
