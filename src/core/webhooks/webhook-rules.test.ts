import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { retryDelayMs } from './webhook-backoff.js';
import { eventTypesOf, parseEventTypes, storedEventTypes } from './webhook-events.js';
import { signatureHeader, verifySignature } from './webhook-signature.js';
import { checkWebhookUrl } from './webhook-url.js';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"id":"x","type":"event.live"}';

  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    assert.equal(signatureHeader(secret, body, 1_700_000_000), `t=1700000000,v1=${expected}`);
  });

  for (const [name, header, now, ok] of [
    ['verifies', signatureHeader(secret, body, 1_000), 1_000, true],
    ['within the tolerance', signatureHeader(secret, body, 1_000), 1_299, true],
    ['refuses an old time (replay)', signatureHeader(secret, body, 1_000), 1_301, false],
    ['refuses another body', signatureHeader(secret, `${body} `, 1_000), 1_000, false],
    ['refuses another secret', signatureHeader('whsec_other', body, 1_000), 1_000, false],
    ['refuses a moved time', signatureHeader(secret, body, 1_000).replace('t=1000', 't=1001'), 1_000, false],
    ['refuses garbage', 't=x,v1=zz', 1_000, false],
  ] as const) {
    it(name, () => assert.equal(verifySignature(secret, body, header, now), ok));
  }
});

describe('webhook event types', () => {
  it('parses a comma list into canonical order, once each', () => {
    assert.deepEqual(parseEventTypes(' session.ended,event.live ,event.live'), ['event.live', 'session.ended']);
    assert.equal(storedEventTypes(['event.live', 'code.revoked']), ',event.live,code.revoked,');
    assert.deepEqual(eventTypesOf(',event.live,code.revoked,'), ['event.live', 'code.revoked']);
  });
  for (const bad of ['', ' , ', 'event.started', 'event.live,EVENT.ENDED']) {
    it(`refuses "${bad}"`, () => assert.throws(() => parseEventTypes(bad), /--events: /));
  }
});

describe('webhook URL', () => {
  for (const ok of ['https://shop.example/hooks', 'http://10.0.0.5:8080/sg?x=1', 'http://[::1]:3001/']) {
    it(`accepts ${ok}`, () => assert.equal(checkWebhookUrl(ok), new URL(ok).href));
  }
  for (const [bad, message] of [
    ['ftp://shop.example/', /only http/],
    ['file:///etc/passwd', /only http/],
    ['javascript:alert(1)', /only http/],
    ['https://u:p@shop.example/', /no user name or password/],
    ['https://shop.example/#x', /no #fragment/],
    ['shop.example/hooks', /not a URL/],
    [`https://shop.example/${'a'.repeat(2_001)}`, /at most 2000/],
  ] as const) {
    it(`refuses ${bad.slice(0, 40)}`, () => assert.throws(() => checkWebhookUrl(bad), message));
  }
});

describe('webhook retry delay', () => {
  it('doubles from 5–10 s up to 30–60 min, with jitter', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, () => 1)), [10_000, 20_000, 40_000, 80_000]);
    assert.deepEqual([1, 2].map((n) => retryDelayMs(n, () => 0)), [5_000, 10_000]);
    assert.equal(retryDelayMs(20, () => 1), 3_600_000);
    assert.equal(retryDelayMs(500, () => 0), 1_800_000);
  });
  it('retries about 30 times over 24 h', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 3_600_000) elapsed += retryDelayMs(++attempts, () => 0.5);
    assert.ok(attempts > 20 && attempts < 45, `${attempts} attempts`);
  });
});
