import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import { createEvent } from '../../src/core/events/event-service.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('admin console times in Chromium', () => {
  it('shows times in the browser\'s zone and says which zone that is', async (t) => {
    const platform = await startTestPlatform(t);
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', 'correct horse battery');
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, {
      id: 'gala', title: 'Gala', rewatchHours: 24, startsAt: Date.parse('2030-01-02T15:00:00Z'), endsAt: Date.parse('2030-01-02T17:30:00Z'),
    });
    await platform.codes(1, { eventId: 'gala' });
    const browser = await launchChromium(t);
    const page = await (await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' })).newPage();
    await page.goto(`${platform.url}/admin`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    assert.equal(await page.getByLabel('Starts (America/New_York time)').count(), 1, 'the new-event form names the zone');

    await page.goto(`${platform.url}/admin#/events/gala`);
    // Exact: the heading shows the id ("gala") until the event has loaded, and the title then.
    await page.getByRole('heading', { name: 'Gala', exact: true }).waitFor();
    assert.equal(await page.getByLabel('Starts (America/New_York time)').inputValue(), '2030-01-02T10:00');
    assert.equal(await page.getByLabel('Ends (America/New_York time)').inputValue(), '2030-01-02T12:30');
    const expires = page.getByRole('region', { name: 'Codes' }).getByRole('cell', { name: /2030/ });
    assert.equal((await expires.innerText()).trim(), 'Jan 3, 2030, 12:30 PM EST', 'the end plus 24 h, with the zone');
  });
});
