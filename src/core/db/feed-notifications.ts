import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import type { Log } from '../log.js';
import { databaseKind, postgresClientConfig, type Db } from './database.js';

/** The channel writers notify when they append to the revocation feed. */
export const FEED_CHANNEL = 'streamgate_feed';
/** How the listening connection shows in `pg_stat_activity`, so an operator can tell it apart. */
export const FEED_LISTENER_APPLICATION_NAME = 'streamgate-feed';
/**
 * How often the platform reads the feed's newest cursor on PostgreSQL even without a
 * notification: a LISTEN connection that died without a word (a NAT or firewall dropping it)
 * delays a revocation by this much at most.
 */
export const FEED_SAFETY_POLL_MS = 2_000;
/** While the listener is down, poll as if there were no notifications at all. */
export const FEED_UNLISTENED_POLL_MS = 250;

const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000];
/** An idle LISTEN connection is asked a question this often; no answer in time means it is gone. */
const PING_MS = 15_000;
const QUERY_TIMEOUT_MS = 5_000;

/**
 * Tells every platform replica that the feed has new entries. Called inside the writer's
 * transaction: PostgreSQL delivers notifications on commit, so a listener never hears of rows it
 * cannot see yet, and a rolled-back write says nothing. SQLite has no such thing; its readers poll.
 */
export async function notifyFeedListeners(trx: Db): Promise<void> {
  if (databaseKind(trx) !== 'postgres') return;
  await sql`select pg_notify(${FEED_CHANNEL}, '')`.execute(trx);
}

export interface FeedListenerDeps {
  databaseUrl: string;
  log: Log;
  /** "Something new may be in the feed": on every notification and after every (re)connect. */
  onSignal: () => void;
  backoffMs?: number[];
  pingMs?: number;
  /** How long a query (the LISTEN, a ping) may take before the connection counts as dead. */
  queryTimeoutMs?: number;
}

/**
 * One dedicated connection (never a pooled one: a pool hands connections around, and a LISTEN
 * belongs to a session) that LISTENs on the feed channel and reconnects with backoff when it
 * drops. Notifications sent while it was away are lost, so every (re)connect signals too: the
 * reader's cursor, not the notifications, says what is new.
 */
export class FeedNotificationListener {
  connected = false;
  /** Date.now() of the last notification; 0 before the first. */
  lastNotificationAt = 0;
  /** Successful connections so far (the first one included). */
  connections = 0;
  private client: pg.Client | null = null;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: FeedListenerDeps) {}

  start(): void {
    void this.connect();
    this.pingTimer = setInterval(() => void this.ping(), this.deps.pingMs ?? PING_MS);
    this.pingTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await closeClient(client);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      ...postgresClientConfig(this.deps.databaseUrl),
      application_name: FEED_LISTENER_APPLICATION_NAME,
      // The kernel notices a peer that vanished (a host gone, a cable pulled) on an idle socket.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: this.deps.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      query_timeout: this.deps.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    });
    this.client = client;
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection closed')));
    client.on('notification', (message) => {
      if (message.channel !== FEED_CHANNEL) return;
      this.lastNotificationAt = Date.now();
      this.deps.onSignal();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${FEED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.client !== client) return;
    this.connected = true;
    this.connections += 1;
    this.attempt = 0;
    this.deps.log.info('revocation feed listener connected', { channel: FEED_CHANNEL, reconnect: this.connections > 1 });
    this.deps.onSignal();
  }

  /** Handles a connection's end once, whichever of its events (error, end, failed query) comes first. */
  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.connected = false;
    void closeClient(client);
    if (this.stopped) return;
    const backoff = this.deps.backoffMs ?? BACKOFF_MS;
    const wait = backoff[Math.min(this.attempt++, backoff.length - 1)]!;
    this.deps.log.warn('revocation feed listener lost its connection', { error: error.message, retryInMs: wait });
    this.retryTimer = setTimeout(() => void this.connect(), wait);
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return;
    try {
      await client.query('select 1');
    } catch (error) {
      this.lost(client, error as Error);
    }
  }
}

/** Ends a connection politely, and cuts it when the peer does not answer (a dead one never will). */
async function closeClient(client: pg.Client): Promise<void> {
  const ended = client.end().then(
    () => true,
    () => true,
  );
  if (await Promise.race([ended, sleep(1_000, false, { ref: false })])) return;
  // pg has no public way to drop a socket whose peer is gone; the kernel would keep it for minutes.
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
