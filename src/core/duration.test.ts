import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from './errors.js';
import { parseDuration, parseTime } from './duration.js';

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

describe('parseTime', () => {
  const good: [string, string][] = [
    ['2026-05-01T18:00:00Z', '2026-05-01T18:00:00.000Z'],
    ['2026-05-01T18:00:00+02:00', '2026-05-01T16:00:00.000Z'],
    ['2026-05-01T18:00', '2026-05-01T18:00:00.000Z'], // no zone: UTC, not the machine's zone
    ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    ['2026-05-01 18:00:00.5Z', '2026-05-01T18:00:00.500Z'],
  ];
  for (const [text, iso] of good) it(`${text} is ${iso}`, () => assert.equal(new Date(parseTime(text, '--x')).toISOString(), iso));

  for (const bad of ['tomorrow', '2026-13-01', '2026-02-30', '2026-05-01T25:00:00Z', '1714586400', '']) {
    it(`refuses ${JSON.stringify(bad)}, naming the flag`, () => {
      assert.throws(() => parseTime(bad, '--ends-at'), (e: AppError) => e.status === 400 && e.message.startsWith('--ends-at:'));
    });
  }
});
