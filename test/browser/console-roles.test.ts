import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { addAdminUser } from '../../src/core/admin/admin-accounts.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestPlatform } from '../helpers/platform.js';

const PASSWORD = 'a good long password';

describe('console roles (Chromium)', () => {
  it('a support user sees no settings, stream key, API key or user buttons, and can revoke a code', async (t) => {
    const platform = await startTestPlatform(t);
    await addAdminUser({ db: platform.db, clock: platform.now, actor: 'test' }, { username: 'sam', role: 'support' }, PASSWORD);
    await platform.codes(2, { label: 'guests' });

    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin#/events/conf`);
    await page.getByLabel('User name').fill('sam');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    const codes = page.getByRole('region', { name: 'Codes' });
    await codes.getByText('Page 1 · 2 codes').waitFor();

    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('button', { name: 'Log out sam (support)' }).waitFor();
    for (const hidden of ['API keys', 'Audit log', 'Webhooks', 'Users']) assert.equal(await nav.getByRole('link', { name: hidden }).count(), 0, `no ${hidden} link`);
    await nav.getByRole('link', { name: 'Look up a code' }).waitFor();
    assert.equal(await page.getByRole('form', { name: 'Event settings' }).count(), 0, 'no settings');
    assert.equal(await page.getByRole('region', { name: 'Streaming' }).count(), 0, 'no stream key');
    for (const button of ['Save', 'Rotate key', 'Reveal', 'Generate and download CSV', 'Archive event', 'Reset recording', 'Save watch page']) {
      assert.equal(await page.getByRole('button', { name: button, exact: true }).count(), 0, `no "${button}" button`);
    }

    await codes.getByRole('button', { name: 'Revoke' }).first().click();
    await page.getByText(/^Revoked 1;/).waitFor();
    const revoked = await platform.db.selectFrom('access_codes').select('id').where('revoked_at', 'is not', null).execute();
    assert.equal(revoked.length, 1);
    const audit = await platform.db.selectFrom('audit_log').select(['actor', 'role']).where('action', '=', 'codes.revoke').executeTakeFirstOrThrow();
    assert.deepEqual(audit, { actor: 'admin:sam', role: 'support' });

    // The page an owner would open is not linked, and the server refuses it anyway.
    await page.goto(`${platform.url}/admin#/apikeys`);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    const refused = await page.evaluate(async () => (await fetch('/api/admin/apikeys')).status);
    assert.equal(refused, 403);
  });

  it('an owner invites a user from the Users page; the link sets a password and 2FA, once', async (t) => {
    const platform = await startTestPlatform(t);
    await addAdminUser({ db: platform.db, clock: platform.now, actor: 'test' }, { username: 'olga', role: 'owner' }, PASSWORD);
    const browser = await launchChromium(t);
    const page = await browser.newPage();
    await page.goto(`${platform.url}/admin`);
    await page.getByLabel('User name').fill('olga');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.getByRole('form', { name: 'Invite a user' });
    await form.getByLabel('User name').fill('otto');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Limit to events').fill('conf');
    await form.getByRole('button', { name: 'Create invite link' }).click();
    const link = await page.locator('code.invite-link').innerText();
    assert.match(link, /\/admin#\/invite\/[A-Za-z0-9_-]{43}$/);
    await page.getByRole('cell', { name: 'otto' }).waitFor();

    const invited = await (await browser.newContext()).newPage();
    const requests: string[] = [];
    invited.on('request', (request) => void requests.push(request.url()));
    await invited.goto(link);
    await invited.getByRole('heading', { name: 'Welcome, otto' }).waitFor();
    assert.ok(!invited.url().includes('invite'), 'the token leaves the address bar');
    const secret = await invited.locator('code.totp-secret').innerText();
    await invited.getByLabel('Choose a password (12+ characters)').fill('otto password 1234');
    await invited.getByLabel('The password again').fill('otto password 1234');
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await invited.getByLabel('The 6-digit code the app shows').fill(totp.generate({ timestamp: platform.now() }));
    await invited.getByRole('button', { name: 'Create my login' }).click();
    await invited.getByRole('heading', { name: 'Done' }).waitFor();
    const token = link.split('/').at(-1)!;
    assert.ok(requests.every((url) => !url.includes(token)), 'the token is in no request URL');
    const user = await platform.db.selectFrom('admin_users').select(['role', 'event_ids', 'totp_secret']).where('username', '=', 'otto').executeTakeFirstOrThrow();
    assert.deepEqual([user.role, user.event_ids, user.totp_secret !== null], ['operator', '["conf"]', true]);

    const again = await (await browser.newContext()).newPage();
    await again.goto(link);
    await again.getByText(/This invite link is not valid/).waitFor();
  });
});
