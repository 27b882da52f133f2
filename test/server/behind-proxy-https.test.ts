import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestEdge } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

const ADMIN = { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' };
const login = { username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASS };

describe('HTTPS as a reverse proxy reports it (X-Forwarded-Proto)', () => {
  it('with one trusted hop: HSTS and a Secure console cookie for https, neither for http', async (t) => {
    const platform = await startTestPlatform(t, { STREAMGATE_TRUST_PROXY_HOPS: '1', ...ADMIN });
    const overHttps = await platform.post('/api/admin/login', login, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
    assert.equal(overHttps.status, 200);
    assert.match(overHttps.headers.get('set-cookie') ?? '', /; Secure/);
    assert.equal(overHttps.headers.get('strict-transport-security'), 'max-age=31536000');

    const overHttp = await platform.post('/api/admin/login', login, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.8' });
    assert.equal(overHttp.status, 200);
    assert.doesNotMatch(overHttp.headers.get('set-cookie') ?? '', /Secure/);
    assert.equal(overHttp.headers.get('strict-transport-security'), null);

    const portal = await fetch(`${platform.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(portal.headers.get('strict-transport-security'), 'max-age=31536000', 'pages too');

    const edge = await startTestEdge(t, platform, { trustProxyHops: 1 });
    assert.equal((await fetch(`${edge.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'), 'max-age=31536000');
    assert.equal((await fetch(`${edge.url}/healthz`)).headers.get('strict-transport-security'), null);
  });

  it('with no trusted proxy a client cannot claim https: no HSTS, no Secure cookie (it would never come back over http)', async (t) => {
    const platform = await startTestPlatform(t, ADMIN);
    const claimed = await platform.post('/api/admin/login', login, { 'x-forwarded-proto': 'https' });
    assert.equal(claimed.status, 200);
    assert.doesNotMatch(claimed.headers.get('set-cookie') ?? '', /Secure/);
    assert.equal(claimed.headers.get('strict-transport-security'), null);
    const edge = await startTestEdge(t, platform);
    assert.equal((await fetch(`${edge.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'), null);
  });
});
