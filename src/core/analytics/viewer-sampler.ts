import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Log } from '../log.js';
import { recordViewerSample, rollUpViewerMinutes } from './viewer-samples.js';

/** How often the rollup of old minutes into hours runs: cheap when there is nothing to roll. */
const ROLLUP_EVERY_MS = 10 * 60_000;

export interface ViewerSamplerDeps {
  db: Db;
  clock: Clock;
  log: Log;
  /** How often viewers are counted (STREAMGATE_ANALYTICS_SAMPLE_SECONDS); each minute keeps its peak. */
  intervalMs: number;
}

/**
 * Counts each event's viewers every `intervalMs` into its per-minute row, and now and then rolls
 * minutes older than 7 days into hours. Every platform replica runs one; the rows' (event, minute)
 * key and max-merge make that safe. A failed round is logged and the next one tries again.
 */
export class ViewerSampler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastRollupAt = -Infinity;

  constructor(private readonly deps: ViewerSamplerDeps) {}

  start(): this {
    if (this.deps.intervalMs <= 0) return this;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
    void this.tick();
    return this;
  }

  /** One round: sample, and roll up when due. Rounds never overlap. */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async round(): Promise<void> {
    const { db, clock, log } = this.deps;
    try {
      await recordViewerSample(db, clock());
    } catch (error) {
      log.warn('viewer sample failed', { error: (error as Error).message });
    }
    const now = clock();
    if (now - this.lastRollupAt < ROLLUP_EVERY_MS) return;
    this.lastRollupAt = now;
    try {
      await rollUpViewerMinutes(db, now);
    } catch (error) {
      log.warn('viewer rollup failed', { error: (error as Error).message });
    }
  }
}
