import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { makeVodFixture } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('portal: Watch in VLC / on a TV', () => {
  it('shows a personal URL with a warning; the URL plays, this page stops, and no token is logged', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1' }, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    const [code] = await platform.codes(1);
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/?code=${code}`);
    await page.getByRole('heading', { name: 'Conf' }).waitFor();

    await page.getByText('Watch in VLC / on a TV').click();
    await page.getByRole('button', { name: 'Get my personal link' }).click();
    const field = page.getByLabel(/Your personal link/);
    await field.waitFor();
    const url = await field.inputValue();
    assert.match(url, new RegExp(`^${platform.url}/streams/conf/index\\.m3u8\\?token=[\\w.-]+$`));
    await page.getByText('This link is personal.').waitFor();
    await page.getByRole('alert').getByText('Playback here has stopped').waitFor();

    // What VLC does with it: the playlist, whose every segment carries the same link.
    const playlist = await (await fetch(url)).text();
    const token = new URL(url).searchParams.get('token')!;
    const segment = playlist.split('\n').find((line) => line.startsWith('seg_'))!;
    assert.equal(new URLSearchParams(segment.split('?')[1]).get('token'), token);
    assert.equal((await fetch(new URL(segment, url))).status, 200);
    assert.equal(platform.logLines.filter((line) => line.includes(token)).length, 0, 'the link token is never logged');
  });
});
