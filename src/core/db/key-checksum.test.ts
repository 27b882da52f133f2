import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyChecksum } from './key-checksum.js';

const checksum = (keys: unknown[]) => {
  const sum = new KeyChecksum();
  for (const key of keys) sum.add(key);
  return sum.toString();
};

test('the key checksum ignores order, and a number and its text (PostgreSQL bigint) agree', () => {
  assert.equal(checksum(['a', 'B', 'c']), checksum(['c', 'a', 'B']));
  assert.equal(checksum([1, 2, 30]), checksum(['30', '1', '2']));
  assert.match(checksum([]), /^0{16}$/);
});

test('the key checksum changes when a key is missing, added or changed', () => {
  const base = checksum(['a', 'b', 'c']);
  for (const changed of [['a', 'b'], ['a', 'b', 'c', 'd'], ['a', 'b', 'C'], ['a', 'b', 'c', 'c']]) {
    assert.notEqual(checksum(changed), base, changed.join());
  }
});
