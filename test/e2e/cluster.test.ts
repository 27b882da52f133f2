import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ffprobe, publish, waitFor } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { codesFromCsv, json } from '../helpers/cli.js';
import { EDGE_NAME, HOSTS, startCluster, type Cluster } from '../helpers/cluster.js';

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;
/** The player's 30 s heartbeat every 2 s, so a test sees several within seconds of a crash. */
const quickHeartbeats = () => {
  const w = globalThis as any;
  const setInterval = w.setInterval.bind(w);
  w.setInterval = (fn: () => void, ms: number, ...rest: unknown[]) => setInterval(fn, ms === 30_000 ? 2_000 : ms, ...rest);
};

interface Viewer {
  page: Page;
  /** Every answer of status 500 or more the page received, from anywhere. */
  serverErrors: string[];
  heartbeats: { at: number; status: number }[];
  /** Addresses that served the page's HLS requests (awaited before watch() returns). */
  edgeAddresses: Set<string>;
}

/** A viewer typing `code` into the portal (through the load balancer) and watching until it plays. */
async function watch(browser: Browser, cluster: Cluster, code: string): Promise<Viewer> {
  const page = await (await browser.newContext()).newPage();
  const viewer: Viewer = { page, serverErrors: [], heartbeats: [], edgeAddresses: new Set() };
  // serverAddr() is a round trip to the browser: keep each answer's promise, so that watch()
  // returns only once the addresses of the responses seen so far are known.
  const addresses: Promise<void>[] = [];
  await page.addInitScript(quickHeartbeats);
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 500) viewer.serverErrors.push(`${response.status()} ${response.url()}`);
    if (url.pathname === '/api/sessions/heartbeat') viewer.heartbeats.push({ at: Date.now(), status: response.status() });
    if (url.hostname === EDGE_NAME && response.status() === 200) {
      addresses.push(response.serverAddr().then((addr) => void (addr && viewer.edgeAddresses.add(addr.ipAddress)), () => {}));
    }
  });
  await page.goto(`${cluster.platformUrl}/`);
  await page.getByLabel('Access code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Watch' }).click();
  await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 40_000 });
  await Promise.all(addresses);
  return viewer;
}

async function assertAdvancing(viewer: Viewer, what: string): Promise<void> {
  const before = await viewer.page.evaluate(videoTime);
  await waitFor(`${what}: currentTime advancing`, async () => (await viewer.page.evaluate(videoTime)) > before + 1, 10_000);
}

/** A playback token for `code`, as a player gets it through the load balancer. */
async function validate(cluster: Cluster, code: string, deviceId = `test-${randomUUID()}`): Promise<{ status: number; token: string }> {
  const response = await fetch(`${cluster.platformUrl}/api/tokens/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, deviceId }),
  });
  const body = (await response.json()) as { token?: string };
  return { status: response.status, token: body.token ?? '' };
}

const playlistStatus = (edgeUrl: string, token: string) =>
  fetch(`${edgeUrl}/streams/conf/index.m3u8`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);

/** Milliseconds from now until every edge answers 403 for `token` (polled every 10 ms). */
async function msUntilRefused(cluster: Cluster, token: string, limitMs: number): Promise<number[]> {
  const started = Date.now();
  return Promise.all(
    cluster.edgeUrls.map(async (edgeUrl) => {
      while ((await playlistStatus(edgeUrl, token)) !== 403) {
        if (Date.now() - started > limitMs) throw new Error(`${edgeUrl} still serves the revoked token after ${limitMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return Date.now() - started;
    }),
  );
}

describe('a cluster: nginx, two platform replicas, one database, an ingest host with its origin edge, two proxy edges', () => {
  it('plays through both edges, survives a replica killed with SIGKILL, revokes at both edges within 1 s, and recovers from a database restart', { timeout: 240_000 }, async (t) => {
    const cluster = await startCluster(t);
    t.diagnostic(`database: ${cluster.database}`);
    try {
      await scenario(t, cluster);
    } catch (error) {
      process.stderr.write(`--- the cluster's logs ---\n${cluster.logs()}\n`);
      throw error;
    }
  });
});

async function scenario(t: TestContext, cluster: Cluster): Promise<void> {
  const streamKey = json((await cluster.cli(['events', 'show', 'conf', '--json']))).streamKey as string;
  publish(t, `${cluster.rtmpUrl}/${streamKey}`, 200);
  const created = await cluster.cli(['tokens', 'create', '--event', 'conf', '--count', '6']);
  assert.equal(created.code, 0, created.stderr);
  const [watcher1, watcher2, probe, afterRestart, late] = codesFromCsv(created.stdout) as [string, string, string, string, string];

  // ffprobe through each proxy edge: the origin edge on the ingest host fills them both.
  const probeDevice = `probe-${randomUUID()}`;
  const probeToken = (await validate(cluster, probe, probeDevice)).token;
  for (const edgeUrl of cluster.edgeUrls) {
    await waitFor(`a playlist with a segment at ${edgeUrl}`, async () => {
      const response = await fetch(`${edgeUrl}/streams/conf/index.m3u8`, { headers: { authorization: `Bearer ${probeToken}` } });
      return response.status === 200 && (await response.text()).includes('.ts');
    }, 40_000);
    const { codecs } = await ffprobe(`${edgeUrl}/streams/conf/index.m3u8`, probeToken);
    assert.ok(codecs.includes('h264') && codecs.includes('aac'), `${edgeUrl}: ${codecs.join(',')}`);
  }

  // hls.js in Chromium, one viewer per edge: the edges' public name resolves to edge 1 for the
  // first browser and to edge 2 for the second, as DNS or a CDN would send viewers apart.
  const viewers = [
    await watch(await launchChromium(t, [cluster.edgeResolverRule(0)]), cluster, watcher1),
    await watch(await launchChromium(t, [cluster.edgeResolverRule(1)]), cluster, watcher2),
  ];
  assert.deepEqual([...viewers[0]!.edgeAddresses], [HOSTS.edge1]);
  assert.deepEqual([...viewers[1]!.edgeAddresses], [HOSTS.edge2]);

  // One replica crashes. nginx sends everything to the other: heartbeats keep succeeding, new
  // viewers get in, and no player sees a 5xx.
  await cluster.platforms.platform1.crash();
  const crashedAt = Date.now();
  for (const [i, viewer] of viewers.entries()) {
    await waitFor(`viewer ${i + 1}: two heartbeats answered after the crash`, () => viewer.heartbeats.filter((h) => h.at > crashedAt && h.status === 200).length >= 2, 20_000);
    await assertAdvancing(viewer, `viewer ${i + 1} after the crash`);
  }
  for (let i = 0; i < 10; i++) assert.equal((await validate(cluster, probe, probeDevice)).status, 200, 'validate (the same device resuming) through the load balancer');
  for (const viewer of viewers) {
    assert.deepEqual(viewer.serverErrors, []);
    assert.deepEqual(viewer.heartbeats.filter((h) => h.status !== 200), []);
  }

  // A revocation through the CLI on the surviving replica's host reaches both edges within 1 s.
  const probeAgain = (await validate(cluster, probe, probeDevice)).token;
  for (const edgeUrl of cluster.edgeUrls) assert.equal(await playlistStatus(edgeUrl, probeAgain), 200);
  const revoked = await cluster.cli(['tokens', 'revoke', probe, watcher1, '--json'], 'platform2');
  assert.equal(revoked.code, 0, revoked.stderr);
  const latencies = await msUntilRefused(cluster, probeAgain, 1_000);
  t.diagnostic(`revocation: CLI returned → 403 at edge 1 / edge 2 after ${latencies.join(' / ')} ms`);
  await viewers[0]!.page.getByRole('alert').getByText('This code has been withdrawn').waitFor({ timeout: 15_000 });
  await assertAdvancing(viewers[1]!, 'viewer 2 after viewer 1 was revoked');

  if (!cluster.postgres) {
    t.diagnostic('SQLite: the PostgreSQL restart runs only with STREAMGATE_TEST_DATABASE=postgres');
    return;
  }
  // PostgreSQL restarts: every connection of the replica is cut. A revocation committed before
  // the replica has reconnected (and re-listened) still reaches both edges, from the feed's cursor.
  const restartToken = (await validate(cluster, afterRestart)).token;
  // Stopped 'fast' (every connection cut) and started again, as `pg_ctl restart` does.
  cluster.postgres.stop('fast');
  cluster.postgres.start();
  const restartedAt = Date.now();
  const revokedAfter = await cluster.cli(['tokens', 'revoke', afterRestart], 'platform2');
  assert.equal(revokedAfter.code, 0, revokedAfter.stderr);
  const recovery = await msUntilRefused(cluster, restartToken, 10_000);
  t.diagnostic(`after the restart: revocation → 403 at edge 1 / edge 2 after ${recovery.join(' / ')} ms`);
  await waitFor('validate through the load balancer after the restart', async () => (await validate(cluster, late)).status === 200, 20_000);
  t.diagnostic(`after the restart: validate answered 200 again ${Date.now() - restartedAt} ms after PostgreSQL was back`);
  await assertAdvancing(viewers[1]!, 'viewer 2 after the database restart');
}
