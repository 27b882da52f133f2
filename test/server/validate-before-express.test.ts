import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { writeTransaction } from '../../src/core/db/database.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** A raw answer: its headers in the order sent, as a proxy or a client library sees them. */
async function send(platform: TestPlatform, path: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: [string, string][]; body: string }>((resolve, reject) => {
    const request = http.request(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = response.rawHeaders;
        const pairs = raw.flatMap((name, i) => (i % 2 === 0 ? [[name, raw[i + 1]!] as [string, string]] : []));
        resolve({ status: response.statusCode!, headers: pairs, body: Buffer.concat(chunks).toString() });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** What must be alike in two answers to the same request: every header but the date and the request's own id, in order. */
const comparable = (answer: { status: number; headers: [string, string][]; body: string }, valuesToo: boolean) => ({
  status: answer.status,
  headers: answer.headers.filter(([name]) => !/^(date|x-request-id)$/i.test(name)).map(([name, value]) => (valuesToo ? `${name}: ${value}` : name)),
});

// POST /api/tokens/validate is answered in the request listener before Express
// (src/server/http/plain-json-route.ts). Express still routes the path's other spellings to the same
// answer (a trailing slash): a viewer, a proxy or a log reader must not tell the two apart.
describe('POST /api/tokens/validate, answered before Express', () => {
  it('answers as Express does, header for header in order: a code, bad bodies, a spent budget', async (t) => {
    const platform = await startTestPlatform(t, { STREAMGATE_TRUST_PROXY_HOPS: '1' });
    const codes = await platform.codes(2);
    const https = { 'x-forwarded-proto': 'HTTPS', 'x-forwarded-for': '203.0.113.9' };
    const cases: [string, string, Record<string, string>][] = [
      ['malformed JSON', '{"code": ', {}],
      ['a form body', 'code=x', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['another charset', '{}', { 'content-type': 'application/json; charset=latin1' }],
      ['a compressed body', '{}', { 'content-encoding': 'gzip' }],
      ['no fields', '{}', {}],
      ['a wrong code, as sendBeacon posts it', '{"code":"ZZZZZZZZZZZZ","deviceId":"device-aaaa"}', { 'content-type': 'text/plain' }],
      ['too large', JSON.stringify({ code: 'x'.repeat(20_000) }), {}],
      ['over a trusted proxy speaking HTTPS', '{}', https],
    ];
    for (const [name, body, headers] of cases) {
      const before = await send(platform, '/api/tokens/validate', body, headers);
      const inExpress = await send(platform, '/api/tokens/validate/', body, headers);
      assert.deepEqual(comparable(before, true), comparable(inExpress, true), name);
      assert.equal(before.body, inExpress.body, name);
      assert.ok(before.status >= 400 && before.status < 500, `${name}: ${before.status}`);
    }
    const viaProxy = await send(platform, '/api/tokens/validate', '{}', https);
    assert.ok(viaProxy.headers.some(([name, value]) => name === 'Strict-Transport-Security' && value === 'max-age=31536000'));

    // Two codes: the answers differ in their tokens (so in length and ETag), not in which headers come.
    const entries = await Promise.all(codes.map((code, i) => send(platform, i === 0 ? '/api/tokens/validate' : '/api/tokens/validate/', JSON.stringify({ code, deviceId: `device-${i}aaaa` }))));
    assert.deepEqual(comparable(entries[0]!, false), comparable(entries[1]!, false));
    assert.deepEqual(entries.map((e) => e.status), [200, 200]);

    // An address whose wrong-code budget is spent for a minute past the longest hold: 429 with Retry-After.
    const fullAt = platform.now() + 600 * 6_000 + 60_000;
    await writeTransaction(platform.db, (trx) =>
      trx
        .insertInto('failure_budgets')
        .values({ scope: 'wrong_code', client: '127.0.0.1', full_at: fullAt })
        .onConflict((oc) => oc.columns(['scope', 'client']).doUpdateSet({ full_at: fullAt }))
        .execute(),
    );
    const spent = await send(platform, '/api/tokens/validate', '{"code":"ZZZZZZZZZZZZ","deviceId":"device-aaaa"}');
    const spentInExpress = await send(platform, '/api/tokens/validate/', '{"code":"ZZZZZZZZZZZZ","deviceId":"device-aaaa"}');
    assert.equal(spent.status, 429);
    assert.deepEqual(comparable(spent, true), comparable(spentInExpress, true));
    assert.ok(spent.headers.some(([name, value]) => name === 'Retry-After' && Number(value) > 0));
  });

  it('says its request id and writes one request log line, with the address a trusted proxy gave', async (t) => {
    const platform = await startTestPlatform(t, { STREAMGATE_TRUST_PROXY_HOPS: '1' });
    const [code] = await platform.codes(1);
    const answer = await send(platform, '/api/tokens/validate', JSON.stringify({ code, deviceId: 'device-aaaa' }), { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'proxy-req-42' });
    assert.equal(answer.status, 200);
    assert.ok(answer.headers.some(([name, value]) => name === 'X-Request-Id' && value === 'proxy-req-42'));
    const ours = () => platform.logLines.filter((line) => line.includes('proxy-req-42') && line.includes('"message":"request"'));
    // Written when the answer has been handed over, which may be just after the client has it.
    for (let waited = 0; ours().length === 0 && waited < 2_000; waited += 20) await delay(20);
    assert.equal(ours().length, 1, ours().join('\n'));
    const line = JSON.parse(ours()[0]!);
    assert.deepEqual(
      { method: line.method, path: line.path, status: line.status, ip: line.ip, eventId: line.eventId },
      { method: 'POST', path: '/api/tokens/validate', status: 200, ip: '203.0.113.9', eventId: 'conf' },
    );
  });

  it('takes a query string, and leaves every other method to Express', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const withQuery = await platform.post('/api/tokens/validate?from=mail', { code, deviceId: 'device-aaaa' });
    assert.equal(withQuery.status, 200);
    const get = await fetch(`${platform.url}/api/tokens/validate`);
    assert.equal(get.status, 404);
    assert.equal(((await get.json()) as { error: { code: string } }).error.code, 'not_found');
  });
});
