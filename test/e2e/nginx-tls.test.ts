import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { publish, segmentsOf, spawnOnFreePorts, startAppliance, waitFor } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { renderTemplate, startNginx } from '../helpers/nginx.js';
import { httpsRequest, plainGet, makeCertificate } from '../helpers/tls.js';
import { freePorts } from '../helpers/ports.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

const TLS_CONF = path.join(REPO_ROOT, 'deploy', 'nginx', 'streamgate-tls.conf');
const ADMIN = { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' };
// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;

describe('StreamGate behind nginx with TLS (deploy/nginx/streamgate-tls.conf)', () => {
  it('serves the portal, validation, hls.js playback, a Secure console login and a stand-alone edge\'s revocation feed, all over HTTPS', async (t) => {
    const dir = tempDir('streamgate-nginx-tls-');
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const cert = makeCertificate(dir, 'site');
    const [httpPort, httpsPort, edgeHttpsPort] = await freePorts(3);
    const publicUrl = `https://127.0.0.1:${httpsPort}`;
    const edgePublicUrl = `https://127.0.0.1:${edgeHttpsPort}`;
    // The processes behind nginx, configured as the file's header says; they trust the test's CA.
    const behindProxy = { STREAMGATE_TRUST_PROXY_HOPS: '1', PLATFORM_URL: publicUrl, EDGE_PUBLIC_URL: edgePublicUrl, NODE_EXTRA_CA_CERTS: cert.certPath };
    const app = await startAppliance(t, { ...behindProxy, ...ADMIN });

    // A stand-alone edge (proxy mode, its origin the appliance's edge) with its own copy of the secret.
    const edgeDir = path.join(dir, 'edge');
    fs.mkdirSync(edgeDir, { mode: 0o700 });
    fs.copyFileSync(path.join(app.dataDir, 'secret'), path.join(edgeDir, 'secret'));
    const edge = await spawnOnFreePorts(['serve', 'edge'], { ...behindProxy, STREAMGATE_DATA_DIR: edgeDir, EDGE_MODE: 'proxy', EDGE_ORIGIN_URL: app.edgeUrl }, /edge listening/);
    t.after(async () => {
      edge.child.kill('SIGKILL');
      await edge.closed;
    });

    const site = renderTemplate(fs.readFileSync(TLS_CONF, 'utf8'), {
      SERVER_NAME: 'watch.streamgate.test',
      EDGE_SERVER_NAME: 'edge.streamgate.test',
      PUBLIC_URL: publicUrl,
      HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
      EDGE_HTTPS_LISTEN: `127.0.0.1:${edgeHttpsPort}`,
      TLS_CERT: cert.certPath,
      TLS_KEY: cert.keyPath,
      PLATFORM: new URL(app.platformUrl).host,
      EDGE: `127.0.0.1:${edge.ports.EDGE_PORT}`,
    });
    const nginx = await startNginx(site, `http://127.0.0.1:${httpPort}/`);
    t.after(() => nginx.stop());

    // Plain HTTP is sent to HTTPS, path and query kept.
    assert.deepEqual(await plainGet(`http://127.0.0.1:${httpPort}/watch/conf?x=1`), { status: 308, location: `${publicUrl}/watch/conf?x=1` });

    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 90);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 2, 30_000);
    const [viewerCode, edgeCode] = await app.codes(2);

    // Chromium trusts exactly this certificate (its public key pinned), nothing else.
    const browser = await launchChromium(t, [`--ignore-certificate-errors-spki-list=${cert.spki}`]);
    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    const portal = await viewer.goto(`${publicUrl}/`);
    assert.equal(portal?.status(), 200);
    assert.equal(portal?.headers()['strict-transport-security'], 'max-age=31536000', 'HSTS, as the proxy says the request was https');
    const validated = viewer.waitForResponse((r) => r.url().endsWith('/api/tokens/validate'));
    await viewer.getByLabel('Access code', { exact: true }).fill(viewerCode!);
    await viewer.getByRole('button', { name: 'Watch' }).click();
    const grant = (await (await validated).json()) as { playbackUrl: string };
    assert.equal(grant.playbackUrl, '/streams/conf/index.m3u8', 'same-origin streams through the proxy');
    await viewer.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 45_000 });
    const before = await viewer.evaluate(videoTime);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok((await viewer.evaluate(videoTime)) > before + 1, 'currentTime keeps advancing');

    // The console: logged in over HTTPS, its cookie is Secure (set by StreamGate from X-Forwarded-Proto).
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await admin.goto(`${publicUrl}/admin`);
    await admin.getByLabel('User name').fill(ADMIN.ADMIN_USER);
    await admin.getByLabel('Password').fill(ADMIN.ADMIN_PASS);
    await admin.getByRole('button', { name: 'Log in' }).click();
    await admin.getByRole('heading', { name: 'Events' }).waitFor();
    const cookies = await adminContext.cookies(publicUrl);
    assert.ok(cookies.length > 0, 'the console set a cookie');
    for (const cookie of cookies) {
      assert.equal(cookie.secure, true, `${cookie.name} is Secure`);
      assert.equal(cookie.httpOnly, true, `${cookie.name} is HttpOnly`);
    }

    // The stand-alone edge at EDGE_PUBLIC_URL: a token from the portal plays there, from the portal's origin.
    const response = await httpsRequest(`${publicUrl}/api/tokens/validate`, cert.pem, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: edgeCode, deviceId: `test-${randomUUID()}` }),
    });
    assert.equal(response.status, 200, response.body);
    const { token } = JSON.parse(response.body) as { token: string };
    const fromEdge = () => httpsRequest(`${edgePublicUrl}/streams/conf/index.m3u8`, cert.pem, { headers: { authorization: `Bearer ${token}`, origin: publicUrl } });
    const playing = await fromEdge();
    assert.equal(playing.status, 200, playing.body);
    assert.match(playing.body, /^#EXTM3U/);
    assert.equal(playing.headers['access-control-allow-origin'], publicUrl);
    assert.equal(playing.headers['strict-transport-security'], 'max-age=31536000');
    const health = JSON.parse((await httpsRequest(`${edgePublicUrl}/healthz`, cert.pem)).body) as { status: string };
    assert.equal(health.status, 'ok', 'the edge hears from the platform (its feed over HTTPS through nginx)');

    // A revocation reaches it through the feed over HTTPS.
    const revoked = await runCli(['tokens', 'revoke', edgeCode!], { dataDir: app.dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    const started = Date.now();
    await waitFor('the stand-alone edge to refuse the revoked code', async () => (await fromEdge()).status === 403, 10_000);
    assert.ok(Date.now() - started < 5_000, `refused after ${Date.now() - started} ms`);
    assert.doesNotMatch(edge.stderr(), /certificate|UNABLE_TO_VERIFY|self.signed/i, 'the edge never failed to verify the platform');
    assert.equal(nginx.stderr().match(/\[(emerg|crit)\]/g), null, nginx.stderr());
  });
});
