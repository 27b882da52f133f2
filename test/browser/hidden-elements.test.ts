import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startTestPlatform } from '../helpers/platform.js';

/** Elements carrying the hidden attribute that a stylesheet still displays. */
function shownDespiteHidden(page: Page): Promise<string[]> {
  // The callback runs in the page; the test's TypeScript has no DOM types, hence the cast.
  return page.$$eval('[hidden]', (elements) => {
    const window = globalThis as unknown as { getComputedStyle(element: unknown): { display: string } };
    return elements.filter((e) => window.getComputedStyle(e).display !== 'none').map((e) => e.outerHTML.slice(0, 120));
  });
}

describe('the hidden attribute in Chromium', () => {
  it('console login with 2FA off shows no authenticator code field, and hides every [hidden] element', async (t) => {
    const platform = await startTestPlatform(t);
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/admin`);
    await page.getByLabel('User name').waitFor();
    assert.equal(await page.getByLabel('Authenticator code').isVisible(), false);
    assert.deepEqual(await shownDespiteHidden(page), []);
  });

  it('viewer portal hides the player, the live badge and the message until they are needed', async (t) => {
    const platform = await startTestPlatform(t);
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/`);
    await page.getByLabel('Access code', { exact: true }).waitFor();
    assert.ok((await page.locator('[hidden]').count()) >= 3);
    assert.deepEqual(await shownDespiteHidden(page), []);
  });
});
