import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKey, FailureBudget } from './failure-limiter.js';

describe('FailureBudget', () => {
  const budgetAt = (now: { t: number }, maxClients?: number) => new FailureBudget({ burst: 3, refillEveryMs: 1_000, clock: () => now.t, maxClients });

  it('allows a burst, then one failure per refill, telling the exact wait', () => {
    const now = { t: 0 };
    const budget = budgetAt(now);
    assert.deepEqual([budget.spend('a'), budget.spend('a'), budget.spend('a'), budget.spend('a')], [true, true, true, false]);
    assert.equal(budget.waitMs('a'), 1_000);
    now.t = 400;
    assert.equal(budget.waitMs('a'), 600);
    assert.equal(budget.spend('a'), false, 'a refusal spends nothing');
    now.t = 1_000;
    assert.deepEqual([budget.spend('a'), budget.spend('a')], [true, false]);
    now.t = 10_000;
    assert.deepEqual([budget.spend('a'), budget.spend('a'), budget.spend('a'), budget.spend('a')], [true, true, true, false], 'refilled, never past the burst');
    assert.equal(budget.waitMs('b'), 0, 'each client has its own budget');
  });

  it('reserves attempts up to one hold ahead, and takes back a refunded one', () => {
    const now = { t: 0 };
    const budget = budgetAt(now);
    assert.deepEqual([budget.reserve('a', 1_000), budget.reserve('a', 1_000), budget.reserve('a', 1_000)], [0, 0, 0]);
    assert.equal(budget.reserve('a', 1_000), 1_000, 'past the burst: held until its turn');
    assert.equal(budget.reserve('a', 1_000), null, 'further away than the longest hold: nothing taken');
    assert.equal(budget.waitMs('a'), 2_000);
    budget.refund('a');
    assert.equal(budget.waitMs('a'), 1_000, 'a refunded attempt is free again');
    now.t = 5_000;
    budget.refund('a');
    budget.refund('a');
    assert.equal(budget.waitMs('a'), 0);
    assert.equal(budget.reserve('a', 0), 0);
  });

  it('forgets the least recently failing client past maxClients (it starts afresh)', () => {
    const now = { t: 0 };
    const budget = budgetAt(now, 2);
    for (const client of ['a', 'a', 'a', 'b', 'c']) budget.spend(client);
    assert.equal(budget.waitMs('a'), 0);
  });
});

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
