/**
 * FFmpeg's `-progress` output: blocks of `key=value` lines, each ending with `progress=continue`
 * (or `end`). FFmpeg's own `speed=` counts from its start, and a live run starts with a burst (the
 * GOP node-media-server cached), so the speed here is measured over the last WINDOW_MS instead.
 */

/** Where FFmpeg writes progress, and how often (seconds): the arguments go before its output. */
export const PROGRESS_ARGS = ['-progress', 'pipe:1', '-stats_period', '2'];
const WINDOW_MS = 10_000;

export interface ProgressFigures {
  speed: number | null;
  droppedFrames: number | null;
  duplicatedFrames: number | null;
}

/** Splits FFmpeg's progress stream into blocks, whatever the chunking of the pipe. */
export class ProgressParser {
  private partial = '';
  private block: Record<string, string> = {};

  constructor(private readonly onBlock: (block: Record<string, string>) => void) {}

  feed(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const at = line.indexOf('=');
      if (at <= 0) continue;
      const key = line.slice(0, at).trim();
      this.block[key] = line.slice(at + 1).trim();
      if (key === 'progress') {
        this.onBlock(this.block);
        this.block = {};
      }
    }
  }
}

/** Speed and frame counters over the runs of one publish (FFmpeg may restart within it). */
export class ProgressMeter {
  private samples: { at: number; outUs: number }[] = [];
  private dropped = 0;
  private duplicated = 0;
  /** Counters of earlier runs of this publish: a restarted FFmpeg counts from zero again. */
  private droppedBefore = 0;
  private duplicatedBefore = 0;
  private seen = false;

  constructor(private readonly clock: () => number = Date.now) {}

  block(block: Record<string, string>): void {
    const outUs = Number(block.out_time_us);
    const now = this.clock();
    const last = this.samples.at(-1);
    if (Number.isFinite(outUs) && outUs >= 0) {
      if (last && outUs < last.outUs) this.newRun();
      this.samples.push({ at: now, outUs });
      while (this.samples.length > 2 && this.samples[0]!.at < now - WINDOW_MS) this.samples.shift();
    }
    const drop = Number(block.drop_frames);
    const dup = Number(block.dup_frames);
    if (Number.isFinite(drop)) this.dropped = drop;
    if (Number.isFinite(dup)) this.duplicated = dup;
    this.seen = true;
  }

  /** FFmpeg was started again: its counters restart, its speed is measured afresh. */
  newRun(): void {
    this.droppedBefore += this.dropped;
    this.duplicatedBefore += this.duplicated;
    this.dropped = 0;
    this.duplicated = 0;
    this.samples = [];
  }

  figures(): ProgressFigures {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    // Two reports (4 s) at least: one report says nothing about a pace.
    const speed = first && last && last.at - first.at >= 3_000 ? (last.outUs - first.outUs) / 1000 / (last.at - first.at) : null;
    return {
      speed: speed === null ? null : Math.round(speed * 1000) / 1000,
      droppedFrames: this.seen ? this.droppedBefore + this.dropped : null,
      duplicatedFrames: this.seen ? this.duplicatedBefore + this.duplicated : null,
    };
  }
}
