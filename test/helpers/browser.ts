import { chromium, type Browser } from 'playwright-core';

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
