import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';
import type { Log } from '../core/log.js';
import { latestCursor, readFeed, type FeedEntry } from '../core/revocation-feed.js';

type Listener = (entries: FeedEntry[]) => void;

const PAGE = 5_000;

/**
 * Pushes new revocation-feed rows to connected edges. The CLI writes revocations from another
 * process, so the hub polls the feed's newest cursor (one indexed lookup) every 100 ms while
 * anyone listens, and reads the new rows once for all listeners.
 */
export class FeedHub {
  private readonly listeners = new Map<Listener, { cursor: number }>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly deps: { db: Db; clock: Clock; log: Log; windowMs: number; pollMs?: number },
    private readonly onNewest?: (cursor: number, ageMs: number) => void,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Delivers entries after `cursor` from now on; the caller sends the backlog itself. */
  subscribe(cursor: number, listener: Listener): () => void {
    this.listeners.set(listener, { cursor });
    this.timer ??= setInterval(() => void this.poll(), this.deps.pollMs ?? 100);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  stop(): void {
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const newest = await latestCursor(this.deps.db);
      const behind = [...this.listeners.values()].map((l) => l.cursor).filter((c) => c < newest);
      if (behind.length === 0) return;
      const entries = await readFeed(this.deps.db, Math.min(...behind), this.deps.clock(), this.deps.windowMs, PAGE);
      const last = entries.at(-1);
      if (last) this.onNewest?.(last.cursor, this.deps.clock() - last.at);
      // A short page read everything up to `newest` (entries past the window are skipped, not sent).
      const reached = entries.length < PAGE ? newest : last!.cursor;
      for (const [listener, state] of this.listeners) {
        const fresh = entries.filter((e) => e.cursor > state.cursor);
        state.cursor = Math.max(state.cursor, reached);
        if (fresh.length > 0) listener(fresh);
      }
    } catch (error) {
      this.deps.log.warn('revocation feed poll failed', { error: (error as Error).message });
    } finally {
      this.polling = false;
    }
  }
}
