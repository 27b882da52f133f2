import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';
import type { SigningKeyring } from '../core/secret-store.js';
import type { NativePlayers } from './native-players.js';
import type { RevocationList } from './revocation-list.js';

/** What the edge works with. No database: keys, the pushed revocation list and files. */
export interface EdgeDeps {
  config: Config;
  keyring: SigningKeyring;
  revocations: RevocationList;
  clock: Clock;
  log: Log;
  /** Milliseconds since the platform was last heard from, for /healthz and /metrics. */
  syncLagMs: () => number;
  /** Personal links and session reports (players without heartbeats); absent, links are refused. */
  native?: NativePlayers;
  /** This process's number when the edge runs as several (EDGE_WORKERS), shown by /healthz. */
  worker?: number;
}
