import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressMeter, ProgressParser } from './ffmpeg-progress.js';

const block = (outSeconds: number, drop = 0, dup = 0) => `frame=1\nout_time_us=${outSeconds * 1e6}\ndup_frames=${dup}\ndrop_frames=${drop}\nspeed=9.9x\nprogress=continue\n`;

describe('FFmpeg -progress', () => {
  it('splits blocks whatever the chunking of the pipe', () => {
    const blocks: Record<string, string>[] = [];
    const parser = new ProgressParser((b) => blocks.push(b));
    const text = block(1) + block(2);
    for (let i = 0; i < text.length; i += 7) parser.feed(text.slice(i, i + 7));
    assert.equal(blocks.length, 2);
    assert.equal(blocks[1]!.out_time_us, '2000000');
  });

  const cases: { name: string; reports: [wallSeconds: number, outSeconds: number][]; speed: number | null }[] = [
    { name: 'keeping up after a startup burst', reports: [[0, 0], [2, 6], [4, 8], [6, 10], [8, 12], [10, 14], [12, 16], [14, 18]], speed: 1 },
    { name: 'falling behind', reports: [[0, 0], [2, 1.6], [4, 3.2], [6, 4.8]], speed: 0.8 },
    { name: 'one report only', reports: [[0, 0]], speed: null },
  ];
  for (const c of cases) {
    it(`measures the speed over the last seconds: ${c.name}`, () => {
      let now = 0;
      const meter = new ProgressMeter(() => now);
      const parser = new ProgressParser((b) => meter.block(b));
      for (const [wall, out] of c.reports) {
        now = wall * 1000;
        parser.feed(block(out));
      }
      assert.equal(meter.figures().speed, c.speed);
    });
  }

  it('adds up dropped frames across FFmpeg restarts', () => {
    let now = 0;
    const meter = new ProgressMeter(() => now);
    const parser = new ProgressParser((b) => meter.block(b));
    parser.feed(block(10, 3, 1));
    now = 2_000;
    parser.feed(block(0.5, 2, 0)); // a new run: out_time went back
    assert.deepEqual({ ...meter.figures(), speed: undefined }, { speed: undefined, droppedFrames: 5, duplicatedFrames: 1 });
  });
});
