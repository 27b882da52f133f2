import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLadder, parseLadder } from './ladder.js';

describe('parseLadder', () => {
  it('reads copy and rendition lists, highest first, in any case and order', () => {
    assert.deepEqual(parseLadder('copy'), []);
    assert.equal(formatLadder(parseLadder(' 360P, 720p ,480p')), '720p,480p,360p');
  });

  it('refuses unknown names, repeats, empty lists and more than three renditions', () => {
    assert.throws(() => parseLadder('4k'), /not "copy" or a list/);
    assert.throws(() => parseLadder(''), /not "copy" or a list/);
    assert.throws(() => parseLadder('720p,720p'), /twice/);
    assert.throws(() => parseLadder('1080p,720p,480p,360p'), /at most 3/);
  });
});
