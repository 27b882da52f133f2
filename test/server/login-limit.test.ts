import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const login = (platform: TestPlatform, ip: string, password: string) =>
  platform.post('/api/admin/login', { username: 'root', password }, { 'X-Forwarded-For': ip });

describe('console login failure budget', () => {
  it('allows 10 failed logins per address, then one every 90 s, with the true Retry-After', async (t) => {
    const platform = await startTestPlatform(t, { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please', STREAMGATE_TRUST_PROXY_HOPS: '1' });
    for (let i = 0; i < 10; i++) assert.equal((await login(platform, '203.0.113.7', `guess ${i}`)).status, 401);
    const limited = await login(platform, '203.0.113.7', 'break glass please');
    assert.equal(limited.status, 429, 'a spent address is refused before its password is checked');
    assert.equal(limited.headers.get('retry-after'), '90');
    assert.equal(limited.json.error.retryAfter, 90);
    assert.equal((await login(platform, '2001:db8::1', 'break glass please')).status, 200, 'another address is not refused');

    platform.advance(30_000);
    assert.equal((await login(platform, '203.0.113.7', 'guess')).headers.get('retry-after'), '60', 'the time left, and a refusal is no failure');
    platform.advance(60_000);
    assert.equal((await login(platform, '203.0.113.7', 'break glass please')).status, 200, 'Retry-After was the real reset');
    assert.equal((await login(platform, '203.0.113.7', 'guess')).status, 401);
    assert.equal((await login(platform, '203.0.113.7', 'guess')).status, 429);
  });
});
