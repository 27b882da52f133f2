import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseFlvTag, TrackProbe } from './flv-tracks.js';
import { flvChunks } from './flv-fixture.js';

/** An FLV tag as node-media-server sends it: 11-byte header, data, previous-tag size. */
function tag(type: number, data: number[] | Buffer): Buffer {
  const body = Buffer.from(data);
  const chunk = Buffer.alloc(11 + body.length + 4);
  chunk[0] = type;
  chunk.writeUIntBE(body.length, 1, 3);
  body.copy(chunk, 11);
  chunk.writeUInt32BE(11 + body.length, 11 + body.length);
  return chunk;
}

/** A real FLV, made by FFmpeg as a publisher would send it, cut into its header and tags. */
function ffmpegFlv(inputs: string[]): Buffer[] {
  const flv = execFileSync('ffmpeg', ['-loglevel', 'error', ...inputs, '-t', '0.5', '-f', 'flv', 'pipe:1']);
  return flvChunks(flv);
}

describe('parseFlvTag', () => {
  const cases = [
    { name: 'AAC', chunk: tag(8, [0xaf, 0x00, 0x12, 0x10]), expect: { kind: 'audio', codec: 'aac' } },
    { name: 'MP3', chunk: tag(8, [0x2f, 0xff]), expect: { kind: 'audio', codec: 'mp3' } },
    { name: 'enhanced-RTMP Opus', chunk: tag(8, [0x90, ...Buffer.from('Opus')]), expect: { kind: 'audio', codec: 'opus' } },
    { name: 'H.264', chunk: tag(9, [0x17, 0x00, 0, 0, 0]), expect: { kind: 'video', codec: 'h264' } },
    { name: 'Sorenson Spark', chunk: tag(9, [0x12, 0x00]), expect: { kind: 'video', codec: 'flv1' } },
    { name: 'enhanced-RTMP HEVC', chunk: tag(9, [0x90, ...Buffer.from('hvc1'), 0]), expect: { kind: 'video', codec: 'hevc' } },
    { name: 'enhanced-RTMP unknown FourCC', chunk: tag(9, [0x90, ...Buffer.from('xyz1')]), expect: { kind: 'video', codec: 'FourCC "xyz1"' } },
    { name: 'the file header', chunk: Buffer.from('FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00', 'latin1'), expect: null },
  ] as const;
  for (const c of cases) it(c.name, () => assert.deepEqual(parseFlvTag(c.chunk), c.expect));
});

describe('TrackProbe', () => {
  it('knows an FFmpeg audio-only publish from its metadata and first audio tag', () => {
    const probe = new TrackProbe();
    const chunks = ffmpegFlv(['-f', 'lavfi', '-i', 'sine', '-c:a', 'aac']);
    const knownAt = chunks.findIndex((chunk) => probe.feed(chunk));
    assert.ok(knownAt > 0 && knownAt <= 3, `known at chunk ${knownAt}: header, metadata, audio header`);
    assert.deepEqual(probe.settle(), { video: null, audio: 'aac' });
  });

  it('waits for every announced track of an FFmpeg video and audio publish', () => {
    const probe = new TrackProbe();
    const chunks = ffmpegFlv(['-f', 'lavfi', '-i', 'testsrc=size=160x120', '-f', 'lavfi', '-i', 'sine', '-c:v', 'libx264', '-c:a', 'aac']);
    assert.ok(chunks.some((chunk) => probe.feed(chunk)));
    assert.deepEqual(probe.settle(), { video: 'h264', audio: 'aac' });
  });

  it('without metadata, is not sure of a stream with one track until told to settle', () => {
    const probe = new TrackProbe();
    assert.equal(probe.feed(tag(8, [0xaf, 0x00, 0x12, 0x10])), false);
    assert.ok(probe.sawMedia());
    assert.deepEqual(probe.settle(), { video: null, audio: 'aac' });
  });
});
