import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveHlsArgs } from './hls-output.js';

const COPY = { video: 'copy', audio: 'copy' } as const;
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('liveHlsArgs with a recording window', () => {
  it('keeps the whole recording by default: an EVENT playlist, nothing deleted', () => {
    const args = liveHlsArgs('/data/hls/conf', [], 2, COPY);
    assert.equal(after(args, '-hls_playlist_type'), 'event');
    assert.ok(!after(args, '-hls_flags')!.includes('delete_segments'));
    assert.ok(!args.includes('-hls_list_size'));
  });

  it('keeps only the last 10 minutes for a 600 s window: 300 segments of 2 s, older ones deleted', () => {
    const args = liveHlsArgs('/data/hls/demo', [], 2, COPY, 600);
    assert.equal(after(args, '-hls_list_size'), '300');
    assert.ok(after(args, '-hls_flags')!.split('+').includes('delete_segments'));
    assert.ok(!args.includes('-hls_playlist_type'), 'an EVENT playlist may not drop segments');
  });
});
