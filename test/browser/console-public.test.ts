import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('admin console: public playback', () => {
  it('makes an event public and, after asking, private again', async (t) => {
    const platform = await startTestPlatform(t);
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', 'correct horse battery');
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin#/events/conf`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();

    const card = page.getByRole('region', { name: 'Public playback' });
    await card.getByText('Private: viewers need a code.').waitFor();
    await card.getByRole('button', { name: 'Make public' }).click();
    await card.getByText('Public: plays without a code.').waitFor();
    const publicSince = async () => (await platform.db.selectFrom('events').select('public_since').where('id', '=', 'conf').executeTakeFirstOrThrow()).public_since;
    assert.notEqual(await publicSince(), null);
    assert.equal((await platform.post('/api/events/conf/play', { deviceId: 'browser-aaaa' })).status, 200);

    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await card.getByRole('button', { name: 'Require a code' }).click();
    await card.getByText('Private: viewers need a code.').waitFor();
    assert.match(asked.join(), /stops within a second/);
    assert.equal(await publicSince(), null);
    assert.equal((await platform.post('/api/events/conf/play', { deviceId: 'browser-aaaa' })).status, 404);
  });
});
