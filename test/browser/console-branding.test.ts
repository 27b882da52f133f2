import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { consolePage } from '../helpers/browser.js';
import { SVG, TINY_PNG } from '../helpers/images.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('admin console: the watch page of an event', () => {
  it('saves description, organiser, accent and language, uploads a poster, and refuses an SVG logo', async (t) => {
    const platform = await startTestPlatform(t);
    const page = await consolePage(t, platform, '#/events/conf');

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
