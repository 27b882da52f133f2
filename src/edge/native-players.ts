import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';
import type { Keyring, SigningKey } from '../core/secret-store.js';
import { LinkSessions } from './link-sessions.js';
import type { RevocationList } from './revocation-list.js';
import { SessionReporter } from './session-reporter.js';

export interface NativePlayers {
  links: LinkSessions;
  reporter: SessionReporter;
}

/**
 * What lets players without JavaScript watch a whole event: personal links exchanged for sessions,
 * and session reports standing in for their heartbeats. Both talk to the platform at `platformUrl`
 * (read late: a mounted edge learns it when the platform listens).
 */
export function createNativePlayers(deps: {
  config: Config;
  keyring: Pick<Keyring, 'byKid'> & { current: SigningKey };
  revocations: RevocationList;
  platformUrl: () => string | null;
  clock: Clock;
  log: Log;
  reportIntervalMs?: number;
}): NativePlayers {
  const client = { platformUrl: deps.platformUrl, signingKey: () => deps.keyring.current, clock: deps.clock };
  const links = new LinkSessions({ client, keyring: deps.keyring, revocations: deps.revocations, tokenMaxTtlSeconds: deps.config.tokenMaxTtlSeconds, clock: deps.clock, log: deps.log });
  const reporter = new SessionReporter(client, deps.log, (answers) => links.applyAnswers(answers), deps.reportIntervalMs);
  return { links, reporter };
}
