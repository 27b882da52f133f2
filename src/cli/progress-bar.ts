import { createRequire } from 'node:module';

/**
 * A progress bar on stderr, on a terminal only, for work at least `minimumTotal` large. It starts
 * on the first update, when the total is known; cli-progress is loaded only then (it is CommonJS,
 * so `require` works synchronously from inside a batch loop).
 */
export class ProgressBar {
  private bar: import('cli-progress').SingleBar | null = null;

  constructor(
    // Code batches report drawing and storing together (twice the count): show no raw counts.
    private readonly format = 'codes [{bar}] {percentage}% | ETA {eta}s',
    private readonly minimumTotal = 10_000,
  ) {}

  readonly update = (done: number, total: number): void => {
    if (!this.bar) {
      if (!process.stderr.isTTY || total < this.minimumTotal) return;
      const progress = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
      this.bar = new progress.SingleBar(
        { stream: process.stderr, format: this.format, hideCursor: true },
        progress.Presets.shades_classic,
      );
      this.bar.start(total, 0);
    }
    this.bar.update(done);
  };

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
