import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { EDGE_AUDIENCE, signToken } from '../../src/core/playback-token.js';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** /healthz reports the version package.json declares. */
const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function edgeToken(platform: TestPlatform): string {
  return signToken(platform.keyring.current, EDGE_AUDIENCE, {}, Date.now(), 60).token;
}

/** Reads server-sent events until `count` revocations arrived (or 10 s passed). */
async function readEvents(response: Response, count: number): Promise<{ id: string; data: any }[]> {
  const events: { id: string; data: any }[] = [];
  const reader = response.body!.getReader();
  const timeout = setTimeout(() => void reader.cancel(), 10_000);
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) events.push({ id, data: JSON.parse(data) });
    }
  }
  clearTimeout(timeout);
  await reader.cancel().catch(() => undefined);
  return events;
}

describe('revocation feed', () => {
  it('is for edges only: no token, a playback token or a wrong audience get 401', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const { json } = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    for (const auth of [undefined, `Bearer ${json.token}`, 'Bearer nonsense']) {
      const response = await fetch(`${platform.url}/api/revocations`, { headers: auth ? { Authorization: auth } : {} });
      assert.equal(response.status, 401);
    }
  });

  it('lists entries after a cursor: revoked codes, ended sessions, archived events', async (t) => {
    const platform = await startTestPlatform(t);
    const [a, b] = await platform.codes(2);
    await runCli(['tokens', 'revoke', a!], { dataDir: platform.dataDir });
    await runCli(['events', 'archive', 'conf'], { dataDir: platform.dataDir });
    const headers = { Authorization: `Bearer ${edgeToken(platform)}` };
    const all = (await (await fetch(`${platform.url}/api/revocations?since=0`, { headers })).json()) as any;
    assert.deepEqual(all.entries.map((e: { kind: string }) => e.kind), ['code_revoked', 'event_archived']);
    assert.equal(all.cursor, all.entries[1].cursor);
    assert.equal(all.entries[1].eventId, 'conf');
    const after: any = await (await fetch(`${platform.url}/api/revocations?since=${all.entries[0].cursor}`, { headers })).json();
    assert.deepEqual(after.entries.map((e: { kind: string }) => e.kind), ['event_archived']);
    assert.equal((await fetch(`${platform.url}/api/revocations?since=abc`, { headers })).status, 400);
    void b;
  });

  it('pushes a revocation made by the CLI in another process, and resumes from Last-Event-ID', async (t) => {
    const platform = await startTestPlatform(t);
    const [a, b] = await platform.codes(2);
    await runCli(['tokens', 'revoke', a!], { dataDir: platform.dataDir });
    const stream = await fetch(`${platform.url}/api/revocations/stream`, { headers: { Authorization: `Bearer ${edgeToken(platform)}` } });
    assert.equal(stream.headers.get('content-type'), 'text/event-stream');
    const reading = readEvents(stream, 2);
    await runCli(['tokens', 'revoke', b!], { dataDir: platform.dataDir });
    const events = await reading;
    assert.equal(events.length, 2, 'backlog entry, then the pushed one');
    assert.deepEqual(events.map((e) => e.data.kind), ['code_revoked', 'code_revoked']);

    const resumed = await fetch(`${platform.url}/api/revocations/stream`, {
      headers: { Authorization: `Bearer ${edgeToken(platform)}`, 'Last-Event-ID': events[0]!.id },
    });
    const replay = await readEvents(resumed, 1);
    assert.equal(replay[0]!.id, events[1]!.id);
  });
});

describe('revocation feed subscriptions', () => {
  it('leave nothing behind when edges go away, even while their backlog is being read', async (t) => {
    const platform = await startTestPlatform(t);
    // A backlog of several pages: reading it takes a while on PostgreSQL, where this race was met.
    await platform.codes(2_500);
    await runCli(['tokens', 'revoke', '--event', 'conf'], { dataDir: platform.dataDir });
    const subscribers = async () => Number(/^streamgate_revocation_feed_subscribers (\d+)$/m.exec(await (await fetch(`${platform.url}/metrics`)).text())?.[1]);

    const waitForSubscribers = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while ((await subscribers()) !== count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return subscribers();
    };

    const open = await fetch(`${platform.url}/api/revocations/stream`, { headers: { Authorization: `Bearer ${edgeToken(platform)}` } });
    assert.equal(await waitForSubscribers(1), 1, 'a connected edge is counted');

    // Edges that hang up at every moment of the exchange, most before the backlog read ends.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const controller = new AbortController();
        const request = fetch(`${platform.url}/api/revocations/stream`, { headers: { Authorization: `Bearer ${edgeToken(platform)}` }, signal: controller.signal });
        setTimeout(() => controller.abort(), i);
        await request.then((r) => r.body?.cancel()).catch(() => undefined);
      }),
    );
    await open.body!.cancel();
    assert.equal(await waitForSubscribers(0), 0, 'every subscription ended with its connection');
  });
});

describe('health and metrics', () => {
  it('answers /healthz and exposes Prometheus metrics', async (t) => {
    const platform = await startTestPlatform(t);
    assert.deepEqual(await (await fetch(`${platform.url}/healthz`)).json(), { status: 'ok', version: PACKAGE_VERSION });
    await platform.post('/api/tokens/validate', { code: 'ZZZZZZZZZZZZ', deviceId: 'device-aaaa' });
    const metrics = await (await fetch(`${platform.url}/metrics`)).text();
    assert.match(metrics, /streamgate_validations_total\{result="invalid_code"\} 1/);
    assert.match(metrics, /streamgate_active_sessions 0/);
  });

  it('sends security headers', async (t) => {
    const platform = await startTestPlatform(t);
    const response = await fetch(`${platform.url}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(response.headers.get('x-powered-by'), null);
  });
});

describe('restoring a revoked code', () => {
  it('makes it valid again and puts a code_restored entry in the feed', async (t) => {
    const { restoreCodes } = await import('../../src/core/codes/code-revocation.js');
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    await runCli(['tokens', 'revoke', code!], { dataDir: platform.dataDir });
    const { id } = await platform.db.selectFrom('codes').select('id').executeTakeFirstOrThrow();
    const result = await restoreCodes({ db: platform.db, clock: platform.now, actor: 'test' }, [id, id, 'nope']);
    assert.deepEqual(result, { restored: 1, notRevoked: 0, notFound: ['nope'] });
    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).status, 200);
    const feed = (await (await fetch(`${platform.url}/api/revocations`, { headers: { Authorization: `Bearer ${edgeToken(platform)}` } })).json()) as any;
    assert.deepEqual(feed.entries.map((e: { kind: string; codeId: string }) => [e.kind, e.codeId]), [['code_revoked', id], ['code_restored', id]]);
  });
});
