import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { consolePage } from '../helpers/browser.js';
import { startTestPlatform } from '../helpers/platform.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('console: webhooks in Chromium', () => {
  it('adds a webhook (secret shown once), shows its deliveries, removes it', { timeout: 60_000 }, async (t) => {
    const platform = await startTestPlatform(t);
    const shop = new WebhookReceiver();
    await shop.up();
    t.after(() => shop.down());
    const page = await consolePage(t, platform);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();

    await page.getByLabel('URL (http or https)').fill(shop.url);
    await page.getByLabel('session.started').check();
    await page.getByLabel('code.redeemed').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.locator('.webhook-secret').textContent())!;
    assert.match(secret, /^whsec_/);
    await page.getByRole('cell', { name: 'code.redeemed, session.started' }).waitFor();

    const [code] = await platform.codes(1);
    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' })).status, 200);
    const received = await shop.waitFor((r) => r.length === 2);
    for (const delivery of received) {
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['streamgate-signature']))!;
      assert.equal(createHmac('sha256', secret).update(`${ts}.${delivery.body}`).digest('hex'), v1, 'signed with the secret the console showed');
    }
    await page.getByRole('cell', { name: 'delivered' }).first().waitFor({ timeout: 10_000 }); // the 5 s refresh
    assert.equal(await page.getByRole('cell', { name: 'session.started', exact: true }).count(), 1);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No webhooks yet.').waitFor();
    assert.equal((await platform.db.selectFrom('webhooks').selectAll().execute()).length, 0);
  });
});
