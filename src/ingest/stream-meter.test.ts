import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { readOnMetaData, StreamMeter } from './stream-meter.js';
import { flvChunks } from './flv-fixture.js';

/** A real FLV as a publisher sends it (FFmpeg, H.264 + AAC), cut into its header and tags. */
function ffmpegFlv(seconds: number, keyframeSeconds: number): Buffer[] {
  const flv = execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(25 * keyframeSeconds), '-keyint_min', String(25 * keyframeSeconds),
    '-sc_threshold', '0', '-b:v', '800k', '-c:a', 'aac', '-f', 'flv', 'pipe:1',
  ], { maxBuffer: 64 * 1024 * 1024 });
  return flvChunks(flv);
}

const timestampOf = (tag: Buffer) => tag.length < 12 ? 0 : ((tag[7]! << 24) | (tag[4]! << 16) | (tag[5]! << 8) | tag[6]!) >>> 0;

/** Feeds the tags as if they arrived in real time: the meter's clock is the tag's timestamp. */
function meterFed(chunks: Buffer[], pace = 1): StreamMeter {
  let now = 0;
  const meter = new StreamMeter(() => now);
  for (const chunk of chunks) {
    now = timestampOf(chunk) / pace;
    meter.feed(chunk);
  }
  return meter;
}

describe('StreamMeter', () => {
  it('reads resolution, codecs, frame rate, keyframe interval and pace from a real publisher FLV', () => {
    const figures = meterFed(ffmpegFlv(8, 2)).figures();
    assert.equal(figures.width, 640);
    assert.equal(figures.height, 360);
    assert.equal(figures.videoCodec, 'h264');
    assert.equal(figures.audioCodec, 'aac');
    assert.ok(Math.abs(figures.frameRate! - 25) < 0.5, `frame rate ${figures.frameRate}`);
    assert.equal(figures.keyframeIntervalSeconds, 2);
    assert.ok(Math.abs(figures.inputSpeed! - 1) < 0.02, `input speed ${figures.inputSpeed}`);
    assert.ok(figures.bitrateInKbps! > 300 && figures.bitrateInKbps! < 2_000, `bitrate ${figures.bitrateInKbps}`);
    assert.match(figures.encoder ?? '', /Lavf/);
  });

  it('measures a 6 s GOP as a 6 s keyframe interval', () => {
    assert.equal(meterFed(ffmpegFlv(13, 6)).figures().keyframeIntervalSeconds, 6);
  });

  it('sees a publisher that cannot keep up as a pace below 1', () => {
    const figures = meterFed(ffmpegFlv(8, 2), 0.8).figures();
    assert.ok(Math.abs(figures.inputSpeed! - 0.8) < 0.02, `input speed ${figures.inputSpeed}`);
  });

  it('takes codecs but no rates from the tags replayed from the cache', () => {
    let now = 0;
    const meter = new StreamMeter(() => now);
    for (const chunk of ffmpegFlv(3, 2)) meter.feed(chunk, false);
    const figures = meter.figures();
    assert.equal(figures.videoCodec, 'h264');
    assert.equal(figures.bitrateInKbps, null);
    assert.equal(figures.keyframeIntervalSeconds, null);
  });
});

describe('readOnMetaData', () => {
  it('is null for truncated or foreign script data', () => {
    assert.equal(readOnMetaData(Buffer.from([0x02, 0x00, 0x0a])), null);
    assert.equal(readOnMetaData(Buffer.from([0x02, 0x00, 0x03, 0x61, 0x62, 0x63, 0x08])), null);
    assert.equal(readOnMetaData(Buffer.alloc(0)), null);
  });
});
