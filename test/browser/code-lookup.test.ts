import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestPlatform } from '../helpers/platform.js';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0';

describe('code lookup in the console (Chromium)', () => {
  it('finds a pasted code (lower case, dashes), ends its session, revokes and restores it', async (t) => {
    const platform = await startTestPlatform(t);
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'dana', 'a good long password');
    const [code] = await platform.codes(3, { label: 'press' });
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'dana-laptop' }, { 'user-agent': FIREFOX });
    assert.equal(grant.status, 200);

    const page = await (await launchChromium(t)).newPage();
    const lookups: string[] = [];
    page.on('request', (request) => void (request.url().includes('/lookup') && lookups.push(request.url())));
    await page.goto(`${platform.url}/admin`);
    await page.getByLabel('User name').fill('dana');
    await page.getByLabel('Password').fill('a good long password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Look up a code' }).click();
    await page.getByRole('heading', { name: 'Look up a code' }).waitFor();

    // As the viewer wrote it in a mail: lower case, in groups with dashes.
    const typed = code!.toLowerCase().replace(/(.{4})(?!$)/g, '$1-');
    await page.getByLabel("Viewer's code").fill(typed);
    await page.getByRole('button', { name: 'Look up' }).click();
    const result = page.getByRole('form', { name: 'Look up a code' });
    await result.getByText('Firefox 131 on Windows').waitFor();
    assert.equal(await result.locator('dd .badge').innerText(), 'used');
    await result.getByText('press', { exact: true }).waitFor();
    await result.getByRole('cell', { name: 'dana-laptop' }).waitFor();
    await result.getByRole('cell', { name: 'playing' }).waitFor();
    // Not even a group of it, in any form; the origin is left out, as its port's digits could match a group by chance.
    const carriesCode = (url: string) => {
      const { pathname, search, hash } = new URL(url);
      return `${pathname}${search}${hash}`.toLowerCase().includes(typed.slice(0, 4));
    };
    assert.ok(!carriesCode(page.url()), 'the code is not in the address');
    assert.ok(!lookups.some(carriesCode), 'nor in a request URL');

    await result.getByRole('button', { name: 'End session' }).click();
    await page.getByText('Session ended').waitFor();
    await result.getByRole('cell', { name: 'ended (ended by operator)' }).waitFor();
    const session = await platform.db.selectFrom('sessions').selectAll().where('id', '=', grant.json.sessionId).executeTakeFirstOrThrow();
    assert.equal(session.end_reason, 'ended_by_operator');

    await result.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(/^Revoked 1;/).waitFor();
    await result.locator('dd .badge', { hasText: 'revoked' }).waitFor();
    await result.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored 1 code.').waitFor();
    await result.locator('dd .badge', { hasText: 'used' }).waitFor();
    assert.equal((await platform.db.selectFrom('access_codes').select('revoked_at').where('id', '=', session.code_id).executeTakeFirstOrThrow()).revoked_at, null);

    await page.getByLabel("Viewer's code").fill('0000-0000-0000');
    await page.getByRole('button', { name: 'Look up' }).click();
    await result.getByText(/^No such code/).waitFor();
  });

  it('pages the code list of an event and filters it by status and label', async (t) => {
    const platform = await startTestPlatform(t);
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'erin', 'another good password');
    await platform.codes(150, { label: 'guests' });
    const press = await platform.codes(3, { label: 'press' });
    await platform.post('/api/tokens/validate', { code: press[0], deviceId: 'press-device-1' });
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin#/events/conf`);
    await page.getByLabel('User name').fill('erin');
    await page.getByLabel('Password').fill('another good password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const codes = page.getByRole('region', { name: 'Codes' });
    await codes.getByText('Page 1 · 100 codes').waitFor();
    await codes.getByRole('button', { name: 'Next →' }).click();
    await codes.getByText('Page 2 · 53 codes').waitFor();
    assert.equal(await codes.getByRole('button', { name: 'Next →' }).isDisabled(), true);
    await codes.getByRole('button', { name: '← Previous' }).click();
    await codes.getByText('Page 1 · 100 codes').waitFor();

    await codes.getByLabel('Label', { exact: true }).fill('press');
    await codes.getByText('Page 1 · 3 codes').waitFor();
    await codes.getByLabel('Show').selectOption('used');
    await codes.getByText('Page 1 · 1 codes').waitFor();
    await codes.getByLabel('Show').selectOption('revoked');
    await codes.getByText('No codes match.').waitFor();
  });
});
