import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKey } from './failure-limiter.js';

describe('clientKey', () => {
  const cases: [string | undefined, string][] = [
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    [undefined, 'unknown'],
  ];
  for (const [ip, key] of cases) it(`${ip} → ${key}`, () => assert.equal(clientKey(ip), key));
});
