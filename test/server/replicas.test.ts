import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { enableTotp, newTotpEnrolment, setAdminPassword } from '../../src/core/admin/admin-users.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// Two platform replicas on one database, as behind a load balancer without stickiness: whatever a
// client did on one, the other knows.
type Replica = Pick<TestPlatform, 'url' | 'post'>;

const behindProxy = { STREAMGATE_TRUST_PROXY_HOPS: '1' };
const cookieOf = (headers: Headers) => /sg_admin=[^;]+/.exec(headers.get('set-cookie') ?? '')?.[0] ?? '';

async function get(replica: Replica, path: string, cookie: string) {
  return (await fetch(`${replica.url}${path}`, { headers: { cookie } })).status;
}

describe('several platform replicas on one database', () => {
  it('share the wrong-code budget: an address that spent it on one is held and refused on the other', async (t) => {
    const a = await startTestPlatform(t, behindProxy);
    const b = await startTestPlatform(t, {}, { replicaOf: a });
    const [good] = await a.codes(1);
    const guess = (replica: Replica, ip = '203.0.113.7') => replica.post('/api/tokens/validate', { code: 'ZZZZZZZZZZZZ', deviceId: 'device-aaaa' }, { 'X-Forwarded-For': ip });
    for (let i = 0; i < 600; i += 50) {
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, j) => guess((i + j) % 2 ? a : b)));
      assert.deepEqual(statuses.map((s) => s.status), Array(50).fill(401));
    }
    a.advance(5_990);
    const [held, refused] = [await guess(b), await guess(a)];
    assert.deepEqual([held.status, refused.status], [401, 429], 'the budget spent across both replicas is one budget');
    assert.equal((await guess(b, '198.51.100.1')).status, 401, 'another address is not affected');
    a.advance(6_000);
    const entered = await b.post('/api/tokens/validate', { code: good, deviceId: 'device-aaaa' }, { 'X-Forwarded-For': '203.0.113.7' });
    assert.equal(entered.status, 200, 'a correct code from the spent address gets in on its turn');
    assert.equal((await guess(a)).status, 401, 'and gave its turn back, seen by the other replica');
  });

  it('share the failed-login budget', async (t) => {
    const a = await startTestPlatform(t, { ...behindProxy, ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' });
    const b = await startTestPlatform(t, {}, { replicaOf: a });
    const login = (replica: Replica, password: string) => replica.post('/api/admin/login', { username: 'root', password }, { 'X-Forwarded-For': '203.0.113.7' });
    const statuses = await Promise.all(Array.from({ length: 14 }, (_, i) => login(i % 2 ? a : b, `guess ${i}`)));
    assert.deepEqual(statuses.map((s) => s.status).sort(), [...Array(10).fill(401), ...Array(4).fill(429)], '10 failures in all, even racing on two replicas');
    const refused = await login(b, 'break glass please');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '90');
  });

  it('share console sessions: a login on one works on the other, and a logout or a password change on one ends it on both', async (t) => {
    const a = await startTestPlatform(t);
    const b = await startTestPlatform(t, {}, { replicaOf: a });
    const deps = { db: a.db, clock: a.now, keyring: a.keyring, actor: 'test' };
    await setAdminPassword(deps, 'alice', 'correct horse battery');
    const first = await a.post('/api/admin/login', { username: 'alice', password: 'correct horse battery' });
    const cookie = cookieOf(first.headers);
    assert.equal(await get(b, '/api/admin/events', cookie), 200, 'logged in on a, known on b');
    const out = await fetch(`${b.url}/api/admin/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': first.json.csrfToken } });
    assert.equal(out.status, 204);
    assert.deepEqual([await get(a, '/api/admin/events', cookie), await get(b, '/api/admin/events', cookie)], [401, 401], 'logged out on b: over on a too');

    const second = cookieOf((await b.post('/api/admin/login', { username: 'alice', password: 'correct horse battery' })).headers);
    assert.equal(await get(a, '/api/admin/events', second), 200);
    await setAdminPassword(deps, 'alice', 'a brand new password');
    assert.deepEqual([await get(a, '/api/admin/events', second), await get(b, '/api/admin/events', second)], [401, 401], 'a password change ends it everywhere');
  });

  it('accept one TOTP code once, even when logins race with it on both replicas at the same instant', async (t) => {
    const a = await startTestPlatform(t);
    const b = await startTestPlatform(t, {}, { replicaOf: a });
    const deps = { db: a.db, clock: a.now, keyring: a.keyring, actor: 'test' };
    await setAdminPassword(deps, 'bob', 'another long password');
    const { secret } = newTotpEnrolment('bob');
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await enableTotp(deps, 'bob', secret, totp.generate({ timestamp: a.now() - 30_000 }));
    const code = totp.generate({ timestamp: a.now() });
    const body = { username: 'bob', password: 'another long password', totp: code };
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).post('/api/admin/login', body)));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 401, 401, 401, 401, 401], 'one login in, five refused');
    assert.deepEqual(answers.filter((r) => r.status === 401).map((r) => r.json.error.code), Array(5).fill('totp_invalid'));
  });
});
