import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';
import type { Log } from '../core/log.js';
import { latestCursor, readFeed, type FeedEntry } from '../core/revocation-feed.js';

type Listener = (entries: FeedEntry[]) => void;

const PAGE = 5_000;

export interface FeedHubDeps {
  db: Db;
  clock: Clock;
  log: Log;
  windowMs: number;
  /**
   * How long to wait before looking again without being woken, asked before each wait. SQLite:
   * 100 ms (the CLI writes from other processes and nobody tells). PostgreSQL: a slow safety
   * poll while LISTEN works, a fast one while it does not.
   */
  pollMs?: () => number;
}

/**
 * Pushes new revocation-feed rows to connected edges. While anyone listens, the hub reads the
 * feed's newest cursor (one indexed lookup) on every `wake()` ("something new may be there":
 * a PostgreSQL notification) and on a timer, and reads the new rows once for all listeners.
 */
export class FeedHub {
  private readonly listeners = new Map<Listener, { cursor: number }>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** A wake-up came while a poll ran: what it announced may have committed after that poll looked. */
  private again = false;
  /** Polls fail while the database is away; said once when it starts and once when it ends. */
  private failing = false;

  constructor(
    private readonly deps: FeedHubDeps,
    private readonly onNewest?: (cursor: number, ageMs: number) => void,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /**
   * Delivers entries after `cursor` from now on; the caller sends the backlog itself. Looks at
   * once: an entry committed between the caller's backlog read and this call was announced
   * before this listener was here.
   */
  subscribe(cursor: number, listener: Listener): () => void {
    this.listeners.set(listener, { cursor });
    if (!this.timer) this.schedule();
    this.wake();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  /** Something new may be in the feed: look now (or right after the poll under way). */
  wake(): void {
    if (this.listeners.size === 0) return;
    if (this.polling) this.again = true;
    else void this.poll();
  }

  stop(): void {
    this.listeners.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.wake();
      if (this.listeners.size > 0) this.schedule();
    }, this.deps.pollMs?.() ?? 100);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      do {
        this.again = false;
        await this.deliver();
      } while (this.again && this.listeners.size > 0);
      if (this.failing) this.deps.log.info('revocation feed poll works again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.deps.log.warn('revocation feed poll failed', { error: (error as Error).message });
      this.failing = true;
    } finally {
      this.polling = false;
    }
  }

  private async deliver(): Promise<void> {
    const newest = await latestCursor(this.deps.db);
    const behind = [...this.listeners.values()].map((l) => l.cursor).filter((c) => c < newest);
    if (behind.length === 0) return;
    // A loop, not Math.min(...behind): players watching their sessions (session-watch.ts) can be
    // more listeners than a call's arguments may be.
    const since = behind.reduce((a, b) => Math.min(a, b));
    const entries = await readFeed(this.deps.db, since, this.deps.clock(), this.deps.windowMs, PAGE);
    const last = entries.at(-1);
    if (last) this.onNewest?.(last.cursor, this.deps.clock() - last.at);
    // A short page read everything up to `newest` (entries past the window are skipped, not sent).
    const reached = entries.length < PAGE ? newest : last!.cursor;
    if (entries.length === PAGE) this.again = true;
    for (const [listener, state] of this.listeners) {
      const fresh = entries.filter((e) => e.cursor > state.cursor);
      state.cursor = Math.max(state.cursor, reached);
      if (fresh.length > 0) listener(fresh);
    }
  }
}
