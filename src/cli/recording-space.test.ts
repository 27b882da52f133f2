import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingSpaceCheck } from './recording-space.js';

const GiB = 1024 ** 3;

describe('recordingSpaceCheck', () => {
  const cases: { name: string; free: number; rates: { eventId: string; kbps: number; source: 'measured' | 'ladder' | 'input' }[]; status: string; detail: RegExp }[] = [
    { name: 'no live event', free: 1 * GiB, rates: [], status: 'ok', detail: /no live event/ },
    // 5,228 kbit/s is 2.35 GB (2.2 GiB) an hour.
    { name: 'a ladder that fits', free: 10 * GiB, rates: [{ eventId: 'big', kbps: 5228, source: 'ladder' }], status: 'ok', detail: /4\.6 h of big records 5228 kbit\/s \(ladder\), 2\.2 GiB an hour/ },
    { name: 'a ladder that does not fit', free: 2 * GiB, rates: [{ eventId: 'big', kbps: 5228, source: 'ladder' }], status: 'warn', detail: /less than an hour of live event big/ },
    { name: 'the largest decides (rates come largest first)', free: 2 * GiB, rates: [{ eventId: 'big', kbps: 8000, source: 'measured' }, { eventId: 'small', kbps: 500, source: 'input' }], status: 'warn', detail: /event big records 8000/ },
    { name: 'exactly an hour is enough', free: (3000 * 1000 * 3600) / 8, rates: [{ eventId: 'e', kbps: 3000, source: 'measured' }], status: 'ok', detail: /1\.0 h/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const check = recordingSpaceCheck(c.free, c.rates);
      assert.equal(check.status, c.status);
      assert.match(check.detail, c.detail);
    });
  }
});
