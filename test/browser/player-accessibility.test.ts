import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeLadderVodFixture } from '../helpers/hls-fixtures.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

/** Where a person looks at the pages as viewers see them (git-ignored). */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');
const AXE = path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');

const SIZES: Record<string, BrowserContextOptions> = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

/** axe-core's serious and critical violations on the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const results = await (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] });
    return (results.violations as any[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

async function check(page: Page, state: string, size: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${state}-${size}.png`) });
  assert.deepEqual(await seriousViolations(page), [], `${state} at ${size} size`);
}

/** A fresh browser context per state and size: the CSP is bypassed only so axe can be injected. */
async function pageAt(browser: Browser, size: string): Promise<Page> {
  const context = await browser.newContext({ ...SIZES[size], bypassCSP: true });
  return context.newPage();
}

async function walkStates(browser: Browser, platform: TestPlatform, size: string, code: string): Promise<void> {
  const entry = await pageAt(browser, size);
  await entry.goto(`${platform.url}/`);
  await entry.getByLabel('Access code', { exact: true }).waitFor();
  await check(entry, 'entry', size);

  const error = await pageAt(browser, size);
  await error.goto(`${platform.url}/?code=zzzzzzzzzzzz`);
  await error.getByRole('alert').getByText('That code was not recognised').waitFor();
  await check(error, 'error', size);

  // Waiting: the code is good, the stream has not started (the edge answers 404 and the page retries).
  const viewer = await pageAt(browser, size);
  await viewer.goto(`${platform.url}/?code=${code}`);
  await viewer.getByText('The stream has not started yet').waitFor({ timeout: 15_000 });
  await check(viewer, 'waiting', size);
}

describe('viewer page accessibility in Chromium (axe-core) and screenshots of each state', () => {
  it('finds no serious or critical violation on the entry, error, waiting and playing states, at desktop and phone size', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    const codes = await platform.codes(2);
    const browser = await launchChromium(t);
    const sizes = Object.keys(SIZES);
    const viewers: Page[] = [];
    for (const [i, size] of sizes.entries()) {
      await walkStates(browser, platform, size, codes[i]!);
      viewers.push(browser.contexts().at(-1)!.pages()[0]!);
    }

    // The stream starts: the waiting pages play (the ladder event shows its quality menu).
    makeLadderVodFixture(platform.dataDir, 90); // long enough to be still playing when the last size is checked
    for (const [i, size] of sizes.entries()) {
      const page = viewers[i]!;
      await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 30_000 });
      await page.getByRole('button', { name: /^Quality/ }).waitFor();
      await page.mouse.move(200, 300); // the bar shows, as it does for a viewer who moves the mouse or taps
      if (size === 'phone') await page.locator('#video').tap();
      await check(page, 'playing', size);
      await page.getByRole('button', { name: /^Quality/ }).click();
      await check(page, 'quality-menu', size);
    }
    for (const file of ['entry', 'error', 'waiting', 'playing', 'quality-menu'].flatMap((s) => sizes.map((z) => `${s}-${z}.png`))) {
      assert.ok(fs.statSync(path.join(SCREENSHOTS, file)).size > 1_000, `${file} written`);
    }
  });
});
