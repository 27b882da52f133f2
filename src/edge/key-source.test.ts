import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OriginKeySource } from './key-source.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

/** An origin answering /keys/enc/<id> after `delayMs`: 403 to `Bearer refused`, 404 for id 0…0, else the key. */
async function origin(t: { after(fn: () => unknown): void }, delayMs: number) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.headers.authorization} ${req.url}`);
    setTimeout(() => {
      if (req.headers.authorization === 'Bearer refused') return res.writeHead(403).end();
      if (req.url === '/keys/enc/0000000000000000') return res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(KEY);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('OriginKeySource (proxy edges)', () => {
  it('viewers asking for one key at once share one fetch from the origin', { timeout: 10_000 }, async (t) => {
    const { url, seen } = await origin(t, 150);
    let fetches = 0;
    const source = new OriginKeySource(url, 30_000, Date.now, () => fetches++);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => source.get('enc', 'aaaaaaaaaaaaaaaa', `Bearer viewer-${i}`)));
    assert.ok(answers.every((a) => a.status === 200 && a.key.equals(KEY)));
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.equal(fetches, 1);
    const missing = await Promise.all([1, 2, 3].map((i) => source.get('enc', '0000000000000000', `Bearer viewer-${i}`)));
    assert.deepEqual(missing.map((a) => a.status), [404, 404, 404], 'that the origin has no such key is shared too');
    assert.equal(seen.length, 2);
  });

  it('a refusal answers the token that was sent: the others waiting ask with their own', { timeout: 10_000 }, async (t) => {
    const { url, seen } = await origin(t, 100);
    const source = new OriginKeySource(url, 30_000, Date.now);
    const refused = source.get('enc', 'bbbbbbbbbbbbbbbb', 'Bearer refused');
    await sleep(20); // the refused viewer's fetch is under way first
    const others = Promise.all([1, 2].map((i) => source.get('enc', 'bbbbbbbbbbbbbbbb', `Bearer viewer-${i}`)));
    assert.equal((await refused).status, 403);
    assert.deepEqual((await others).map((a) => a.status), [200, 200]);
    assert.ok(seen.some((line) => line.startsWith('Bearer viewer-')), 'a waiter asked with its own token');
    assert.ok(!seen.slice(1).some((line) => line.startsWith('Bearer refused')), 'the refused token is never sent again for the others');
  });

  it('keeps a key no longer than its rotation period', { timeout: 10_000 }, async (t) => {
    const { url, seen } = await origin(t, 0);
    let now = 1_000_000;
    const source = new OriginKeySource(url, 10_000, () => now);
    assert.equal((await source.get('enc', 'cccccccccccccccc', 'Bearer a')).status, 200);
    now += 9_999;
    assert.equal((await source.get('enc', 'cccccccccccccccc', 'Bearer b')).status, 200);
    assert.equal(seen.length, 1, 'within the period: from memory');
    now += 1;
    assert.equal((await source.get('enc', 'cccccccccccccccc', 'Bearer c')).status, 200);
    assert.equal(seen.length, 2, 'after the period: from the origin again, with that viewer\'s token');
    assert.match(seen[1]!, /^Bearer c /);
  });
});
