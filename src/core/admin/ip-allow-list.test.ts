import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAllowList, isAddressAllowed } from './ip-allow-list.js';

describe('API key address allow-lists', () => {
  it('matches exact addresses and CIDR ranges, IPv4 clients seen as IPv4-mapped IPv6 included', () => {
    const list = checkAllowList(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32']);
    assert.ok(isAddressAllowed(list, '203.0.113.7'));
    assert.ok(isAddressAllowed(list, '::ffff:10.20.30.40'));
    assert.ok(isAddressAllowed(list, '2001:db8::1'));
    assert.ok(!isAddressAllowed(list, '203.0.113.8'));
    assert.ok(!isAddressAllowed(list, '::ffff:192.168.1.1'));
    assert.ok(!isAddressAllowed(list, undefined));
  });

  it('allows everyone when empty', () => {
    assert.ok(isAddressAllowed([], '198.51.100.1'));
  });

  it('refuses what is not an address or a range', () => {
    for (const bad of ['10.0.0.0/33', 'example.org', '10.0.0.1/8/9', '::1/129', '']) {
      assert.throws(() => checkAllowList([bad]), /not an IP address or CIDR range/, bad);
    }
  });
});
