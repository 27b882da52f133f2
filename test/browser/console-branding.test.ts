import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import { launchChromium } from '../helpers/browser.js';
import { SVG, TINY_PNG } from '../helpers/images.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('admin console: the watch page of an event', () => {
  it('saves description, organiser, accent and language, uploads a poster, and refuses an SVG logo', async (t) => {
    const platform = await startTestPlatform(t);
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', 'correct horse battery');
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin#/events/conf`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();

    const panel = page.getByRole('form', { name: 'Watch page' });
    await panel.waitFor();
    await panel.getByLabel('Description').fill('Bach at night.');
    await panel.getByLabel('Organiser').fill('Philharmonie');
    await panel.getByLabel('Own accent colour').check();
    await panel.getByLabel('Accent colour', { exact: true }).fill('#c0392b');
    await panel.getByLabel(/^Language/).selectOption('de');
    await panel.getByRole('button', { name: 'Save watch page' }).click();
    await page.getByText('Watch page saved.').waitFor();

    const files = fs.mkdtempSync(path.join(platform.dataDir, 'upload-'));
    fs.writeFileSync(path.join(files, 'poster.png'), TINY_PNG);
    fs.writeFileSync(path.join(files, 'logo.png'), SVG); // a script in disguise
    await panel.getByLabel(/^Poster/).setInputFiles(path.join(files, 'poster.png'));
    await page.getByText('Poster uploaded.').waitFor();
    await panel.getByRole('img', { name: 'Current poster' }).waitFor();
    await panel.getByLabel(/^Logo/).setInputFiles(path.join(files, 'logo.png'));
    await page.getByText(/not a PNG, JPEG or WebP image/).waitFor();

    const shown = (await (await fetch(`${platform.url}/api/events/conf/page`)).json()) as Record<string, string | null>;
    assert.equal(shown.description, 'Bach at night.');
    assert.equal(shown.organiser, 'Philharmonie');
    assert.equal(shown.accent, '#c0392b');
    assert.equal(shown.language, 'de');
    assert.match(String(shown.posterUrl), /^\/branding\/[0-9a-f]{64}\.png$/);
    assert.equal(shown.logoUrl, null);
  });
});
