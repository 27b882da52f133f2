import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from './errors.js';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  const good: [string, number][] = [
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['48h', 172_800_000],
    ['7d', 604_800_000],
  ];
  for (const [text, ms] of good) it(`${text} is ${ms} ms`, () => assert.equal(parseDuration(text, '--x'), ms));

  for (const bad of ['', '10', 'h', '0h', '-1h', '1.5h', '10w', '1h30m', 'soon']) {
    it(`refuses ${JSON.stringify(bad)}, naming the flag`, () => {
      assert.throws(() => parseDuration(bad, '--expires-in'), (e: AppError) => e.status === 400 && e.message.startsWith('--expires-in:'));
    });
  }
});
