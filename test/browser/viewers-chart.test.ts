import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import { recordViewerSample } from '../../src/core/analytics/viewer-samples.js';
import { launchChromium } from '../helpers/browser.js';
import { makeVodFixture } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('viewers chart in Chromium', () => {
  it('shows the viewers of three browsers watching, on the event page and the dashboard', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    const codes = await platform.codes(3);
    const browser = await launchChromium(t);
    // Three viewers, each in a browser context of its own (its own device id), playing.
    await Promise.all(
      codes.map(async (code) => {
        const page = await (await browser.newContext()).newPage();
        await page.goto(`${platform.url}/?code=${code}`);
        await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 0.5, undefined, { timeout: 20_000 });
      }),
    );
    await recordViewerSample(platform.db, platform.now());

    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', 'correct horse battery');
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 900 } })).newPage();
    await page.goto(`${platform.url}/admin`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();

    // The dashboard: a chart for the event that has viewers.
    const dashboardChart = page.getByRole('region', { name: 'Viewers: Conf' });
    await dashboardChart.getByRole('img', { name: 'Viewers over time: 3 now, peak 3' }).waitFor();

    await page.getByRole('link', { name: /Conf/ }).click();
    const card = page.getByRole('region', { name: 'Viewers over time' });
    const chart = card.getByRole('img', { name: 'Viewers over time: 3 now, peak 3' });
    await chart.waitFor();
    await card.getByText(/^Now 3 · Peak 3 at .+ · 3 sessions · 3 codes used · /).waitFor();
    // The sample and the count now, drawn at the top of the chart (3 is its highest value).
    assert.ok(Number(await chart.getAttribute('data-points')) >= 2);
    const line = await chart.locator('path.line').getAttribute('d');
    const ys = [...(line ?? '').matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok(ys.length >= 2 && ys.every((y) => y === ys[0]), `a flat line at the peak: ${line}`);
    assert.deepEqual(await chart.locator('text.axis').allTextContents().then((texts) => texts.filter((x) => /^\d+$/.test(x))), ['0', '3']);
    if (process.env.STREAMGATE_SCREENSHOTS) await page.screenshot({ path: `${process.env.STREAMGATE_SCREENSHOTS}/viewers-chart.png`, fullPage: false });
  });
});
