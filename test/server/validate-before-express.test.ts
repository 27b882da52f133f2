import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestPlatform } from '../helpers/platform.js';

/** Headers that differ between any two answers, or only say how the body was framed. */
const PER_ANSWER = new Set(['date', 'content-length', 'etag', 'connection', 'keep-alive', 'x-request-id']);

const headersOf = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => !PER_ANSWER.has(name)));

// POST /api/tokens/validate is answered in the request listener before Express
// (src/server/http/plain-json-route.ts): a viewer, a proxy or a log reader must not tell the difference.
describe('POST /api/tokens/validate, answered before Express', () => {
  it('sends the headers every platform answer sends, its request id and one request log line', async (t) => {
    const platform = await startTestPlatform(t, { STREAMGATE_TRUST_PROXY_HOPS: '1' });
    const [code] = await platform.codes(1);
    const forwarded = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-request-id': 'proxy-req-42' };
    const answer = await fetch(`${platform.url}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...forwarded },
      body: JSON.stringify({ code, deviceId: 'device-aaaa' }),
    });
    assert.equal(answer.status, 200);
    // An answer of Express's (a refusal by a route of the same API) as the reference.
    const reference = await fetch(`${platform.url}/api/sessions/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json', ...forwarded }, body: '{}' });
    assert.equal(reference.status, 400, 'no session id');
    assert.deepEqual(headersOf(answer), headersOf(reference));
    assert.equal(answer.headers.get('strict-transport-security'), 'max-age=31536000', 'HTTPS at the trusted proxy');
    assert.equal(answer.headers.get('x-request-id'), 'proxy-req-42');
    assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
    await answer.json();

    const lines = platform.logLines.filter((line) => line.includes('proxy-req-42') && line.includes('/api/tokens/validate'));
    assert.equal(lines.length, 1, lines.join('\n'));
    const line = JSON.parse(lines[0]!);
    assert.deepEqual(
      { message: line.message, method: line.method, path: line.path, status: line.status, ip: line.ip, eventId: line.eventId },
      { message: 'request', method: 'POST', path: '/api/tokens/validate', status: 200, ip: '203.0.113.9', eventId: 'conf' },
    );
  });

  it('refuses as Express would: the same error bodies, Retry-After and statuses', async (t) => {
    const platform = await startTestPlatform(t);
    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body }).then(async (r) => ({ status: r.status, json: await r.json() }));
    // Express still routes the other spellings of the path: both answers must be one.
    for (const [body, type] of [['{"code": ', 'application/json'], ['code=x', 'application/x-www-form-urlencoded'], ['{"code":"ZZZZZZZZZZZZ","deviceId":"device-aaaa"}', 'text/plain'], ['{}', 'application/json']]) {
      const before = await post('/api/tokens/validate', body!, type);
      const inExpress = await post('/api/tokens/validate/', body!, type);
      assert.deepEqual(before, inExpress, `${type} ${body}`);
      assert.ok(before.status >= 400 && before.status < 500, JSON.stringify(before));
    }
    const tooLarge = await post('/api/tokens/validate', JSON.stringify({ code: 'x'.repeat(20_000) }));
    assert.equal(tooLarge.status, 413);
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
