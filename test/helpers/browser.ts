import { chromium, type Browser, type Page } from 'playwright-core';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import type { TestPlatform } from './platform.js';

/**
 * Debian's Chromium, headless, with nothing reaching beyond this machine. Playwright gives every
 * launch a fresh temporary profile (it refuses a --user-data-dir argument).
 */
export async function launchChromium(t: { after(fn: () => unknown): void }, extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  t.after(() => browser.close());
  return browser;
}

/**
 * A Chromium page signed in to the console as `alice`, an owner, opened at `hash` (`#/events/conf`).
 * The login form is submitted; the caller waits for what it checks.
 */
export async function consolePage(t: { after(fn: () => unknown): void }, platform: TestPlatform, hash = ''): Promise<Page> {
  await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', 'correct horse battery');
  const page = await (await launchChromium(t)).newPage();
  await page.goto(`${platform.url}/admin${hash}`);
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  return page;
}
