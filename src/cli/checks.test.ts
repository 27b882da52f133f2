import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { checkFreeDisk } from './checks.js';

describe('checkFreeDisk', () => {
  it('warns below the minimum, naming what is free, and is ok above it', () => {
    const low = checkFreeDisk(os.tmpdir(), Number.MAX_SAFE_INTEGER);
    assert.equal(low.status, 'warn');
    assert.match(low.detail, /^only [\d.]+ (GiB|MiB) free of [\d.]+ (GiB|MiB) at /);
    assert.equal(checkFreeDisk(os.tmpdir(), 0).status, 'ok');
  });

  it('warns, not fails, when the directory cannot be asked', () => {
    assert.equal(checkFreeDisk('/nonexistent-streamgate-dir').status, 'warn');
  });
});
