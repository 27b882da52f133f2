import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import { EDGE_AUDIENCE, signToken } from '../core/playback-token.js';
import type { FeedEntry } from '../core/revocation-feed.js';
import type { SigningKey } from '../core/secret-store.js';
import type { RevocationList } from './revocation-list.js';

export interface RevocationSyncDeps {
  platformUrl: string;
  /** The key to sign edge tokens with, asked each time: it changes with `keys rotate`. */
  signingKey: () => SigningKey;
  list: RevocationList;
  clock: Clock;
  log: Log;
}

const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000];

/**
 * Keeps the revocation list in step with the platform: a server-sent-events stream (push), and
 * while it is down, a poll of `?since=` every second between reconnection attempts. Resumes from
 * the last cursor. With the platform gone the list stays as it was and the lag grows.
 */
export class RevocationSync {
  /** When the platform was last heard from (an entry, a keepalive or a poll). */
  lastContactAt = 0;
  connected = false;
  private stopped = false;
  private abort: AbortController | null = null;

  constructor(private readonly deps: RevocationSyncDeps) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  /** Milliseconds since the platform was last heard from; Infinity before the first contact. */
  lagMs(): number {
    return this.lastContactAt === 0 ? Infinity : this.deps.clock() - this.lastContactAt;
  }

  private authorization(): string {
    return `Bearer ${signToken(this.deps.signingKey(), EDGE_AUDIENCE, {}, this.deps.clock(), 60).token}`;
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        await this.stream();
        attempt = 0;
      } catch (error) {
        if (this.stopped) return;
        // fetch says only "fetch failed"; its cause says why (refused, or a certificate not trusted).
        const cause = (error as Error & { cause?: unknown }).cause;
        const reason = cause instanceof Error ? `${(error as Error).message}: ${cause.message}` : (error as Error).message;
        this.deps.log.warn('revocation stream down', { error: reason, attempt });
      }
      this.connected = false;
      // Poll while waiting to reconnect, so revocations keep arriving at most ~1 s late.
      const wait = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]!;
      const until = Date.now() + wait;
      do {
        await this.poll().catch(() => undefined);
        await sleep(Math.min(1_000, Math.max(0, until - Date.now())));
      } while (!this.stopped && Date.now() < until);
    }
  }

  async poll(): Promise<void> {
    for (;;) {
      const response = await fetch(`${this.deps.platformUrl}/api/revocations?since=${this.deps.list.cursor}`, {
        headers: { Authorization: this.authorization() },
        signal: AbortSignal.timeout(3_000),
      });
      if (!response.ok) throw new Error(`poll answered ${response.status}`);
      const body = (await response.json()) as { cursor: number; entries: FeedEntry[] };
      this.deps.list.apply(body.entries);
      this.deps.list.cursor = Math.max(this.deps.list.cursor, body.cursor);
      this.lastContactAt = this.deps.clock();
      if (body.entries.length < 1_000) return;
    }
  }

  private async stream(): Promise<void> {
    this.abort = new AbortController();
    const response = await fetch(`${this.deps.platformUrl}/api/revocations/stream`, {
      headers: { Authorization: this.authorization(), 'Last-Event-ID': String(this.deps.list.cursor), Accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    this.connected = true;
    this.lastContactAt = this.deps.clock();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      this.lastContactAt = this.deps.clock();
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data) this.deps.list.apply([JSON.parse(data) as FeedEntry]);
      }
    }
    throw new Error('stream ended');
  }
}
