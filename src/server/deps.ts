import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Db } from '../core/db/database.js';
import type { Log } from '../core/log.js';
import type { Keyring } from '../core/secret-store.js';

/** Everything the platform works with, injected: no module singletons. */
export interface PlatformDeps {
  config: Config;
  db: Db;
  keyring: Keyring;
  clock: Clock;
  log: Log;
}

/** What the session functions in core need, taken from the platform's deps. */
export function sessionDeps(deps: PlatformDeps) {
  return { db: deps.db, clock: deps.clock, keyring: deps.keyring, tokenTtlSeconds: deps.config.tokenTtlSeconds };
}
