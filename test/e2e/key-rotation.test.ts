import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { startAppliance, waitFor } from '../helpers/appliance.js';
import { runCli } from '../helpers/cli.js';
import { makeVodFixture } from '../helpers/edge.js';

const kidOf = (token: string) => (jwt.decode(token, { complete: true })?.header.kid ?? '') as string;

describe('streamgate keys rotate against running services', () => {
  it('is picked up without a restart: new tokens carry the new key, and old and new tokens both play', async (t) => {
    const app = await startAppliance(t);
    makeVodFixture(app.dataDir);
    const before = await app.token();
    const rotated = await runCli(['keys', 'rotate', '--json'], { dataDir: app.dataDir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const { kid } = JSON.parse(rotated.stdout) as { kid: string };
    assert.notEqual(kidOf(before), kid);

    const after = await waitFor('a token signed with the new key', async () => {
      const token = await app.token();
      return kidOf(token) === kid && token;
    }, 10_000);
    for (const base of [app.edgeUrl, app.platformUrl]) {
      for (const token of [before, after]) {
        const response = await fetch(`${base}/streams/conf/index.m3u8`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.status, 200, `${base} with kid ${kidOf(token)}`);
      }
    }
    assert.match(app.logs(), /signing keys reloaded/);
  });
});
