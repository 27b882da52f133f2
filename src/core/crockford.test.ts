import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CROCKFORD_ALPHABET, normaliseCrockford, randomString } from './crockford.js';

describe('randomString', () => {
  it('draws only alphabet symbols, at the requested length', () => {
    for (let i = 0; i < 1000; i++) {
      const s = randomString(12);
      assert.equal(s.length, 12);
      assert.match(s, /^[0-9A-HJKMNP-TV-Z]{12}$/);
    }
  });

  it('is uniform over a 32-symbol alphabet (chi-square, 31 dof, p > 0.001)', () => {
    const counts = new Map<string, number>();
    const draws = 64_000;
    for (const char of randomString(draws)) counts.set(char, (counts.get(char) ?? 0) + 1);
    const expected = draws / 32;
    const chiSquare = [...CROCKFORD_ALPHABET].reduce((sum, c) => sum + ((counts.get(c) ?? 0) - expected) ** 2 / expected, 0);
    assert.ok(chiSquare < 61.1, `chi-square ${chiSquare.toFixed(1)}`);
  });

  it('stays uniform where rejection sampling matters (36 symbols: a mask of 64 would bias)', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const counts = new Map<string, number>();
    const draws = 72_000;
    for (const char of randomString(draws, alphabet)) counts.set(char, (counts.get(char) ?? 0) + 1);
    const expected = draws / 36;
    const chiSquare = [...alphabet].reduce((sum, c) => sum + ((counts.get(c) ?? 0) - expected) ** 2 / expected, 0);
    assert.ok(chiSquare < 66.6, `chi-square ${chiSquare.toFixed(1)}`); // 35 dof, p = 0.001
  });
});

describe('normaliseCrockford', () => {
  const cases: [string, string | null][] = [
    ['ABCD-EFGH-JKMN', 'ABCDEFGHJKMN'],
    ['abcd efgh jkmn', 'ABCDEFGHJKMN'],
    ['  abcd-efgh-jkmn  ', 'ABCDEFGHJKMN'],
    ['O0O0-ILil-1111', '000011111111'],
    ['ABCDEFGHJKM', null], // 11 characters
    ['ABCDEFGHJKMNP', null], // 13 characters
    ['ABCDEFGHJKMU', null], // U is not Crockford
    ['ABCDEFGHJKM!', null],
    ['', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normaliseCrockford(input, 12), expected);
    });
  }
});
