import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { revokeCodes } from '../../src/core/codes/code-revocation.js';
import { markEventEnded, markEventLive } from '../../src/core/events/event-service.js';
import { claimDueDeliveries, pruneDeliveries } from '../../src/core/webhooks/webhook-deliveries.js';
import { addWebhook } from '../../src/core/webhooks/webhook-registry.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/core/webhooks/webhook-events.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { WebhookReceiver, type ReceivedDelivery } from '../helpers/webhook-receiver.js';

async function receiver(t: { after(fn: () => unknown): void }): Promise<WebhookReceiver> {
  const r = new WebhookReceiver();
  await r.up();
  t.after(() => r.down());
  return r;
}

function subscribe(platform: TestPlatform, url: string, events: readonly string[] = WEBHOOK_EVENT_TYPES) {
  return addWebhook({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, { url, events });
}

/** The receiver's check, written here with node:crypto alone (not the code under test). */
function verifiedIndependently(delivery: ReceivedDelivery, secret: string, nowSeconds: number): boolean {
  const header = String(delivery.headers['streamgate-signature']);
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!t || !v1 || Math.abs(nowSeconds - Number(t)) > 300) return false;
  return createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex') === v1;
}

async function deliveryRows(platform: TestPlatform) {
  return platform.db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute();
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const byType = (received: ReceivedDelivery[], type: string) => received.filter((r) => r.json?.type === type);

describe('webhooks: deliveries to a real receiver', () => {
  it('raises every event type, each signed (verified with node:crypto alone), with its delivery id, and never a code', { timeout: 30_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const shop = await receiver(t);
    const { secret } = await subscribe(platform, shop.url);
    const [first, second] = await platform.codes(2);

    const played = await platform.post('/api/tokens/validate', { code: first, deviceId: 'device-0001' });
    assert.equal(played.status, 200);
    const released = await platform.post('/api/sessions/release', { sessionId: played.json.sessionId }, { authorization: `Bearer ${played.json.token}` });
    assert.equal(released.status, 204);
    assert.equal((await platform.post('/api/tokens/validate', { code: second, deviceId: 'device-0002' })).status, 200);
    await revokeCodes({ db: platform.db, clock: platform.now, pepper: platform.keyring.pepper, actor: 'test' }, { codes: [second!] }, 'refunded');
    await markEventLive({ db: platform.db, clock: platform.now, actor: 'ingest' }, 'conf'); // what the ingest does
    await markEventEnded({ db: platform.db, clock: platform.now, actor: 'ingest' }, 'conf');

    const received = await shop.waitFor((r) => r.length >= 9);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    assert.equal(received.length, 9, received.map((r) => r.json.type).join(', '));
    assert.equal(byType(received, 'code.redeemed').length, 2);
    assert.equal(byType(received, 'session.started').length, 2);
    assert.deepEqual(byType(received, 'session.ended').map((r) => r.json.data.reason).sort(), ['code_revoked', 'released']);
    assert.deepEqual(byType(received, 'code.revoked').map((r) => r.json.data.reason), ['refunded']);
    assert.equal(byType(received, 'event.live')[0]!.json.data.eventId, 'conf');
    assert.equal(byType(received, 'event.ended')[0]!.json.data.status, 'ended');

    for (const delivery of received) {
      assert.ok(verifiedIndependently(delivery, secret, platform.now() / 1000), `signature of ${delivery.json.type}`);
      assert.ok(!verifiedIndependently(delivery, `${secret}x`, platform.now() / 1000), 'another secret does not verify');
      assert.equal(delivery.headers['content-type'], 'application/json');
      assert.equal(delivery.headers['streamgate-delivery'], delivery.json.id);
      assert.equal(delivery.headers['streamgate-event'], delivery.json.type);
      assert.match(delivery.json.createdAt, /Z$/);
      for (const code of [first!, second!]) assert.ok(!delivery.body.includes(code), 'no code in a delivery');
    }
    const started = byType(received, 'session.started').find((r) => r.json.data.sessionId === played.json.sessionId)!;
    assert.equal(started.json.data.eventId, 'conf');
    assert.match(started.json.data.codeId, /^[0-9a-z]+$/);

    const rows = await until('the log to say delivered', async () => {
      const all = await deliveryRows(platform);
      return all.every((r) => r.status === 'delivered') && all;
    });
    assert.equal(rows.length, 9);
    for (const row of rows) assert.deepEqual([row.attempts, row.response_status, row.last_error], [1, 200, null]);
  });

  it('writes no outbox row when no webhook receives the event type', { timeout: 20_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const [a, b] = await platform.codes(2);
    assert.equal((await platform.post('/api/tokens/validate', { code: a, deviceId: 'device-0001' })).status, 200);
    assert.equal((await deliveryRows(platform)).length, 0, 'no webhooks at all');
    const shop = await receiver(t);
    await subscribe(platform, shop.url, ['event.live']);
    assert.equal((await platform.post('/api/tokens/validate', { code: b, deviceId: 'device-0002' })).status, 200);
    assert.equal((await deliveryRows(platform)).length, 0, 'a webhook, but for another type');
    await subscribe(platform, shop.url, ['session.started']);
    assert.equal((await platform.post('/api/tokens/validate', { code: b, deviceId: 'device-0003' })).status, 409);
    assert.equal((await deliveryRows(platform)).length, 0, 'a refused validation raises nothing');
  });

  it('retries with backoff while the receiver is down or failing, and delivers each once when it is back', { timeout: 30_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const shop = await receiver(t);
    await shop.down();
    await subscribe(platform, shop.url, ['session.started']);
    const codes = await platform.codes(3);
    for (const [i, code] of codes.entries()) assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: `device-000${i}` })).status, 200);

    const failed = await until('a failed first attempt', async () => {
      const rows = await deliveryRows(platform);
      return rows.length === 3 && rows.every((r) => r.attempts === 1) && rows;
    });
    for (const row of failed) {
      assert.equal(row.status, 'pending');
      assert.match(row.last_error!, /^connection failed: ECONNREFUSED/);
      assert.equal(row.response_status, null);
      const wait = row.next_attempt_at - row.last_attempt_at!;
      assert.ok(wait >= 5_000 && wait <= 10_000, `first retry after 5–10 s (jitter), got ${wait}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.ok((await deliveryRows(platform)).every((r) => r.attempts === 1), 'not retried before it is due');

    await shop.up();
    shop.status = 503; // up, but failing
    platform.advance(11_000);
    await until('a 503 attempt', async () => (await deliveryRows(platform)).every((r) => r.attempts === 2 && r.response_status === 503));
    assert.equal(shop.received.length, 3);
    assert.ok((await deliveryRows(platform)).every((r) => r.status === 'pending' && r.last_error === 'HTTP 503'));

    shop.status = 200;
    shop.received.length = 0;
    platform.advance(25_000); // past the second wait (10–20 s)
    await shop.waitFor((r) => r.length >= 3);
    const rows = await until('delivered', async () => {
      const all = await deliveryRows(platform);
      return all.every((r) => r.status === 'delivered') && all;
    });
    assert.deepEqual(rows.map((r) => r.attempts), [3, 3, 3]);
    assert.deepEqual(new Set(shop.received.map((r) => r.json.id)), new Set(rows.map((r) => r.id)), 'each delivery once, with the same id');
    assert.equal(shop.received.length, 3);
  });

  it('gives a delivery up 24 h after its event', { timeout: 20_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const shop = await receiver(t);
    await shop.down();
    await subscribe(platform, shop.url, ['session.started']);
    const [code] = await platform.codes(1);
    await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' });
    await until('a first attempt', async () => (await deliveryRows(platform))[0]?.attempts === 1);
    platform.advance(24 * 3_600_000);
    const [row] = await until('failed', async () => {
      const rows = await deliveryRows(platform);
      return rows[0]?.status === 'failed' && rows;
    });
    assert.equal(row!.attempts, 2);
  });

  it('loses nothing across a restart: a claim of a platform that died is sent once its lease ends', { timeout: 30_000 }, async (t) => {
    const first = await startTestPlatform(t);
    const shop = await receiver(t);
    await subscribe(first, shop.url, ['session.started', 'code.redeemed']);
    await shop.down();
    await first.app.close(); // its deliverer stops: rows stay in the outbox
    const codes = await first.codes(4);
    for (const [i, code] of codes.entries()) assert.equal((await first.post('/api/tokens/validate', { code, deviceId: `device-000${i}` })).status, 200);
    assert.equal((await deliveryRows(first)).length, 8);
    // The first platform claimed two and died while sending them.
    const claimed = await claimDueDeliveries(first.db, first.now(), 2, 60_000);
    assert.equal(claimed.length, 2);
    await first.kill();

    await shop.up();
    const second = await startTestPlatform(t, {}, { replicaOf: first }); // the restarted platform
    await shop.waitFor((r) => r.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(shop.received.length, 6, 'the leased ones wait for their lease');
    second.advance(61_000);
    await shop.waitFor((r) => r.length >= 8);
    const rows = await until('all delivered', async () => {
      const all = await deliveryRows(second);
      return all.every((r) => r.status === 'delivered') && all;
    });
    assert.deepEqual(new Set(shop.received.map((r) => r.json.id)), new Set(rows.map((r) => r.id)));
    assert.equal(shop.received.length, 8, 'each once');
  });

  it('two replicas share the outbox: each delivery is sent once', { timeout: 30_000 }, async (t) => {
    const one = await startTestPlatform(t);
    const two = await startTestPlatform(t, {}, { replicaOf: one });
    const shop = await receiver(t);
    await subscribe(one, shop.url, ['session.started']);
    const codes = await one.codes(40);
    await Promise.all(codes.map((code, i) => (i % 2 ? one : two).post('/api/tokens/validate', { code, deviceId: `device-${String(i).padStart(4, '0')}` })));
    await shop.waitFor((r) => r.length >= 40);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(shop.received.length, 40);
    assert.equal(new Set(shop.received.map((r) => r.json.id)).size, 40);
  });

  it('stopping the platform cuts a send to a receiver that does not answer short, and retries it later', { timeout: 20_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    let asked = 0;
    const silent = http.createServer(() => void asked++); // never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      silent.closeAllConnections();
      silent.close();
    });
    await subscribe(platform, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, ['session.started']);
    const [code] = await platform.codes(1);
    await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' });
    await until('the receiver to be asked', async () => asked === 1);
    const started = Date.now();
    await platform.app.close();
    assert.ok(Date.now() - started < 2_000, `stopped in ${Date.now() - started} ms`);
    const [row] = await deliveryRows(platform);
    assert.deepEqual([row!.status, row!.attempts, row!.last_error, row!.lease_until], ['pending', 1, 'cut short: the platform was stopping', null]);
  });

  it('keeps the delivery log bounded: a week, and the newest N per webhook', { timeout: 20_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const shop = await receiver(t);
    await subscribe(platform, shop.url, ['session.started']);
    const codes = await platform.codes(5);
    for (const [i, code] of codes.entries()) {
      await platform.post('/api/tokens/validate', { code, deviceId: `device-000${i}` });
      platform.advance(1_000);
    }
    await until('delivered', async () => (await deliveryRows(platform)).filter((r) => r.status === 'delivered').length === 5);
    const newest = (await deliveryRows(platform)).slice(-3).map((r) => r.id);
    assert.equal(await pruneDeliveries(platform.db, platform.now(), 3), 2);
    assert.deepEqual((await deliveryRows(platform)).map((r) => r.id), newest);
    assert.equal(await pruneDeliveries(platform.db, platform.now() + 8 * 86_400_000), 3, 'older than a week');
  });
});

describe('webhooks: admin API', () => {
  async function api(platform: TestPlatform, key: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${platform.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  }

  it('adds (secret shown once, stored sealed), lists, shows deliveries and removes; refuses bad input and event-scoped keys', { timeout: 20_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const shop = await receiver(t);
    const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global' });
    const created = await api(platform, key, 'POST', '/api/admin/webhooks', { url: shop.url, events: ['session.started', 'event.live'] });
    assert.equal(created.status, 201);
    assert.match(created.json.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(created.json.events, ['event.live', 'session.started']);
    const stored = await platform.db.selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
    assert.ok(!stored.secret.includes(created.json.secret.slice(6)), 'sealed in the database');

    const listed = await api(platform, key, 'GET', '/api/admin/webhooks');
    assert.deepEqual(listed.json, [{ id: created.json.id, url: shop.url, events: ['event.live', 'session.started'], createdAt: created.json.createdAt }]);

    for (const [body, message] of [
      [{ url: 'ftp://shop.example/x', events: ['event.live'] }, /only http:\/\/ and https:\/\//],
      [{ url: 'file:///etc/passwd', events: ['event.live'] }, /only http/],
      [{ url: 'https://user:pw@shop.example/x', events: ['event.live'] }, /no user name or password/],
      [{ url: 'not a url', events: ['event.live'] }, /is not a URL/],
      [{ url: shop.url, events: ['code.stolen'] }, /unknown event type "code.stolen"/],
      [{ url: shop.url, events: [] }, /events/],
    ] as const) {
      const refused = await api(platform, key, 'POST', '/api/admin/webhooks', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.json.error.code, 'invalid_request');
      assert.match(refused.json.error.message, message);
    }

    const [code] = await platform.codes(1);
    await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' });
    await shop.waitFor((r) => r.length === 1);
    const log = await until('delivered', async () => {
      const answer = await api(platform, key, 'GET', `/api/admin/webhook-deliveries?webhookId=${created.json.id}&status=delivered`);
      return answer.json.length === 1 && answer;
    });
    assert.equal(log.status, 200);
    assert.equal(log.json[0].type, 'session.started');
    assert.equal(log.json[0].responseStatus, 200);
    assert.equal((await api(platform, key, 'GET', '/api/admin/webhook-deliveries?status=lost')).status, 400);

    const scoped = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'conf only', scope: 'event', eventId: 'conf' });
    assert.equal((await api(platform, scoped.key, 'GET', '/api/admin/webhooks')).status, 403);
    assert.equal((await api(platform, scoped.key, 'POST', '/api/admin/webhooks', { url: shop.url, events: ['event.live'] })).status, 403);

    assert.equal((await api(platform, key, 'DELETE', `/api/admin/webhooks/${created.json.id}`)).status, 200);
    const again = await api(platform, key, 'DELETE', `/api/admin/webhooks/${created.json.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.json.error.code, 'webhook_not_found');
    assert.deepEqual((await api(platform, key, 'GET', '/api/admin/webhooks')).json, []);
    assert.equal((await deliveryRows(platform)).length, 0, 'its log goes with it');
    const audit = await platform.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'like', 'webhook.%').orderBy('id').execute();
    assert.deepEqual(audit, [{ action: 'webhook.add', target: created.json.id }, { action: 'webhook.remove', target: created.json.id }]);
    assert.ok(!JSON.stringify(await platform.db.selectFrom('audit_log').selectAll().execute()).includes(created.json.secret), 'no secret in the audit log');
  });
});
