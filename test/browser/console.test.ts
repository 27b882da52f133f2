import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { enableTotp, newTotpEnrolment, setAdminPassword } from '../../src/core/admin/admin-users.js';
import { openStreamKey } from '../../src/core/events/stream-key-seal.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

async function consoleUser(platform: TestPlatform, username: string, password: string): Promise<void> {
  await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, username, password);
}

describe('admin console in Chromium', () => {
  it('logs in, creates an event, downloads new codes, revokes one and ends a viewer\'s session', async (t) => {
    const platform = await startTestPlatform(t);
    await consoleUser(platform, 'alice', 'correct horse battery');
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin`);

    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await page.getByRole('link', { name: /Conf/ }).waitFor();

    await page.getByLabel('Title').fill('Board meeting');
    await page.getByLabel('Id (optional)').fill('board');
    await page.getByRole('button', { name: 'Create event' }).click();
    await page.getByRole('heading', { name: 'Board meeting' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/events/board');
    assert.match(await page.getByLabel('Server').inputValue(), /^rtmp:\/\/.+\/live$/);
    assert.equal(await page.getByLabel('Stream key').getAttribute('type'), 'password', 'the key is hidden until revealed');
    await page.getByRole('button', { name: 'Reveal' }).click();
    assert.match(await page.getByLabel('Stream key').inputValue(), /^[a-z0-9]{32}$/);

    await page.getByLabel('How many').fill('5');
    await page.getByLabel('Label (optional)').fill('board');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Generate and download CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'codes-board.csv');
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    assert.equal(csv[0], 'code,event_id,expires_at,label');
    assert.equal(csv.length, 6);
    const codes = csv.slice(1).map((line) => line.split(',')[0]!);
    await page.getByText('5 codes generated and downloaded').waitFor();

    // A viewer starts watching with the first code; the console shows the session and ends it.
    const grant = await platform.post('/api/tokens/validate', { code: codes[0], deviceId: 'living-room-tv' });
    assert.equal(grant.status, 200);
    // The 5 s live refresh shows the session by its code's label (the device id is in its tooltip).
    const watching = page.getByRole('region', { name: 'Watching now' });
    await watching.getByRole('button', { name: 'End' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await watching.getByRole('cell').allInnerTexts().then((cells) => cells.slice(0, 3)), ['board', 'board', 'unknown']);
    await page.getByRole('region', { name: 'Watching now' }).getByRole('button', { name: 'End' }).click();
    await page.getByText('Session ended').waitFor();
    const session = await platform.db.selectFrom('sessions').selectAll().where('id', '=', grant.json.sessionId).executeTakeFirstOrThrow();
    assert.equal(session.end_reason, 'ended_by_operator');

    // Revoke one code from the list.
    await page.getByLabel('Show').selectOption('active');
    await page.getByRole('region', { name: 'Codes' }).getByRole('button', { name: 'Revoke', exact: true }).first().click();
    await page.getByText(/^Revoked 1;/).waitFor();
    const revoked = await platform.db.selectFrom('access_codes').select('id').where('event_id', '=', 'board').where('revoked_at', 'is not', null).execute();
    assert.equal(revoked.length, 1);
    const audit = await platform.db.selectFrom('audit_log').select(['actor', 'action']).where('actor', '=', 'admin:alice').execute();
    assert.deepEqual(new Set(audit.map((a) => a.action)), new Set(['admin.login', 'event.create', 'codes.create', 'session.end', 'codes.revoke']));
  });

  it('asks for the authenticator code when 2FA is on, and refuses a wrong one', async (t) => {
    const platform = await startTestPlatform(t);
    await consoleUser(platform, 'bob', 'another long password');
    const { secret } = newTotpEnrolment('bob');
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await enableTotp({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'bob', secret, totp.generate());
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin`);
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password').fill('another long password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('Enter the 6-digit code').waitFor();
    await page.getByLabel('Authenticator code').fill(String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0'));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('That code is not right').waitFor();
    await page.getByLabel('Authenticator code').fill(totp.generate());
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
  });

  it('fits a phone on the LAN: no sideways scrolling, tables become cards, the key copies over plain HTTP', async (t) => {
    const platform = await startTestPlatform(t);
    await consoleUser(platform, 'carol', 'phone friendly password');
    await platform.codes(3);
    // A name that is not loopback makes plain HTTP an insecure origin, as a LAN address is; the
    // browser still connects to 127.0.0.1.
    const browser = await launchChromium(t, ['--host-resolver-rules=MAP streamgate.lan 127.0.0.1']);
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${platform.url.replace('127.0.0.1', 'streamgate.lan')}/admin`);
    assert.equal(await page.evaluate(() => (globalThis as any).isSecureContext), false);
    await page.getByLabel('User name').fill('carol');
    await page.getByLabel('Password').fill('phone friendly password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: /Conf/ }).click();
    await page.getByRole('heading', { name: 'Conf' }).waitFor();
    await page.getByRole('cell').first().waitFor();
    const overflow = await page.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);

    // What the copy command put on the clipboard, read from the copy event it fires.
    await page.evaluate(() => {
      const doc = (globalThis as any).document;
      doc.addEventListener('copy', () => {
        const input = doc.activeElement;
        (globalThis as any).copied = input.value.slice(input.selectionStart, input.selectionEnd);
      });
    });
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Stream key copied.').waitFor();
    const sealed = (await platform.db.selectFrom('events').select('stream_key').where('id', '=', 'conf').executeTakeFirstOrThrow()).stream_key;
    const streamKey = openStreamKey(platform.keyring, sealed, 'conf');
    assert.equal(await page.evaluate(() => (globalThis as any).copied), streamKey);
    assert.equal(await page.getByLabel('Stream key').getAttribute('type'), 'password', 'still hidden after copying');
  });
});
