import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fmp4Splitter, type Fragment, type InitSegment } from './fmp4-splitter.js';
import { BoxStream } from './box-stream.js';
import { ffmpegFragmentedMp4 } from './fmp4-fixture.js';

function split(bytes: Buffer, chunkSize: number): { inits: InitSegment[]; fragments: Fragment[]; buffered: number } {
  const inits: InitSegment[] = [];
  const fragments: Fragment[] = [];
  const splitter = new Fmp4Splitter({ onInit: (i) => inits.push(i), onFragment: (f) => fragments.push(f) });
  for (let at = 0; at < bytes.length; at += chunkSize) splitter.push(bytes.subarray(at, at + chunkSize));
  return { inits, fragments, buffered: splitter.buffered };
}

describe('Fmp4Splitter on real FFmpeg output', () => {
  const mp4 = ffmpegFragmentedMp4(4);

  it('finds one init segment (ftyp+moov) with the video and audio tracks', () => {
    const { inits } = split(mp4, 65536);
    assert.equal(inits.length, 1);
    assert.equal(inits[0]!.bytes.toString('latin1', 4, 8), 'ftyp');
    assert.deepEqual(inits[0]!.tracks.map((t) => t.kind).sort(), ['audio', 'video']);
    assert.equal(inits[0]!.tracks.find((t) => t.kind === 'video')!.timescale > 0, true);
  });

  it('cuts the same fragments whatever the size of the chunks the pipe delivers', () => {
    const whole = split(mp4, mp4.length);
    for (const size of [1, 7, 4096]) {
      const chunked = split(mp4, size);
      assert.equal(chunked.fragments.length, whole.fragments.length, `chunks of ${size}`);
      assert.deepEqual(chunked.fragments.map((f) => f.bytes.length), whole.fragments.map((f) => f.bytes.length));
      assert.equal(chunked.buffered, 0);
    }
  });

  it('times fragments at about 200 ms, back to back, adding up to the stream', () => {
    const { fragments } = split(mp4, 65536);
    assert.ok(fragments.length >= 18, `${fragments.length} fragments`);
    // FFmpeg's first fragment runs a little long (its first sample covers the encoder's start-up delay).
    for (const f of fragments) assert.ok(f.durationSeconds > 0 && f.durationSeconds <= 0.25, `a fragment of ${f.durationSeconds} s`);
    assert.ok(fragments.slice(1, -1).every((f) => Math.abs(f.durationSeconds - 0.2) < 1e-6), 'the others are 200 ms exactly');
    for (let i = 1; i < fragments.length; i += 1) {
      const previous = fragments[i - 1]!;
      assert.ok(Math.abs(previous.startSeconds + previous.durationSeconds - fragments[i]!.startSeconds) < 1e-6, `fragment ${i} follows on`);
    }
    const total = fragments.reduce((sum, f) => sum + f.durationSeconds, 0);
    assert.ok(Math.abs(total - 4) < 0.05, `${total} s in all`);
  });

  it('knows which fragments open on a keyframe: one a second, the first included', () => {
    const { fragments } = split(mp4, 65536);
    const first = fragments[0]!.startSeconds;
    assert.equal(fragments[0]!.independent, true);
    const keyframeStarts = fragments.filter((f) => f.independent).map((f) => f.startSeconds - first);
    assert.equal(keyframeStarts.length, 4);
    // A keyframe every 25 frames: one a second after the first fragment's long first frame.
    for (let i = 2; i < keyframeStarts.length; i += 1) assert.ok(Math.abs(keyframeStarts[i]! - keyframeStarts[i - 1]! - 1) < 1e-6);
    for (const f of fragments) assert.equal(f.bytes.toString('latin1', 4, 8), 'moof');
  });

  it('times a sound-only stream by its audio, every fragment independent', () => {
    const { inits, fragments } = split(ffmpegFragmentedMp4(2, { video: false }), 4096);
    assert.deepEqual(inits[0]!.tracks.map((t) => t.kind), ['audio']);
    assert.ok(fragments.length >= 5);
    assert.ok(fragments.every((f) => f.independent));
  });
});

describe('BoxStream', () => {
  it('holds an unfinished box until the rest arrives', () => {
    const boxes = new BoxStream();
    const box = Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('free'), Buffer.from([1, 2, 3, 4])]);
    assert.deepEqual(boxes.push(box.subarray(0, 5)), []);
    assert.equal(boxes.buffered, 5);
    const [whole] = boxes.push(box.subarray(5));
    assert.equal(whole!.type, 'free');
    assert.equal(boxes.buffered, 0);
  });

  it('refuses a box too small to be one, rather than looping on it', () => {
    assert.throws(() => new BoxStream().push(Buffer.from([0, 0, 0, 3, 0x66, 0x72, 0x65, 0x65])), /not media/);
  });
});
