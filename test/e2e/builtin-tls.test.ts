import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { publishWith, segmentsOf, startAppliance, waitFor, type Appliance } from '../helpers/appliance.js';
import { initialisedDataDir, runCli, tempDir } from '../helpers/cli.js';
import { httpsRequest, plainGet, makeCertificate, peerFingerprint, replaceFile, type TestCertificate } from '../helpers/tls.js';
import { freePort } from '../helpers/ports.js';

const ADMIN = { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' };

interface TlsAppliance {
  app: Appliance;
  platform: string;
  edge: string;
  first: TestCertificate;
  second: TestCertificate;
  live: { cert: string; key: string };
  redirectPort: number;
}

/**
 * `streamgate serve` with STREAMGATE_TLS_CERT/KEY pointing at copies of a first self-signed
 * certificate (a second one waits for the renewal). The edge inside trusts both through
 * NODE_EXTRA_CA_CERTS, as a stand-alone edge reaching a platform with a private CA would.
 */
async function startTlsAppliance(t: { after(fn: () => unknown): void }, env: NodeJS.ProcessEnv = {}): Promise<TlsAppliance> {
  const dir = tempDir('streamgate-tls-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = makeCertificate(dir, 'first');
  const second = makeCertificate(dir, 'second');
  const bundle = path.join(dir, 'trusted.pem');
  fs.writeFileSync(bundle, first.pem + second.pem);
  fs.mkdirSync(path.join(dir, 'live'));
  const live = { cert: path.join(dir, 'live', 'fullchain.pem'), key: path.join(dir, 'live', 'privkey.pem') };
  fs.copyFileSync(first.certPath, live.cert);
  fs.copyFileSync(first.keyPath, live.key);
  const redirectPort = await freePort();
  const app = await startAppliance(t, {
    STREAMGATE_TLS_CERT: live.cert,
    STREAMGATE_TLS_KEY: live.key,
    STREAMGATE_HTTP_REDIRECT_PORT: String(redirectPort),
    // Empty: the defaults, which follow the ports and, with TLS, the https scheme.
    PLATFORM_URL: '',
    EDGE_PUBLIC_URL: '',
    NODE_EXTRA_CA_CERTS: bundle,
    ...ADMIN,
    ...env,
  });
  return { app, platform: app.platformUrl.replace(/^http:/, 'https:'), edge: app.edgeUrl.replace(/^http:/, 'https:'), first, second, live, redirectPort };
}

describe('built-in HTTPS (STREAMGATE_TLS_CERT / STREAMGATE_TLS_KEY)', () => {
  it('serves the platform and the edge over HTTPS with HSTS, sends plain HTTP there, sets a Secure console cookie, and keeps revocations flowing to both edges', async (t) => {
    const { app, platform, edge, first, redirectPort } = await startTlsAppliance(t);
    assert.match(app.logs(), new RegExp(`platform listening.*${platform.replace(/[/.]/g, '\\$&')}`), 'the log gives the https URL');

    for (const base of [platform, edge]) {
      const health = await httpsRequest(`${base}/healthz`, first.pem);
      assert.equal(health.status, 200, base);
      assert.equal(health.headers['strict-transport-security'], 'max-age=31536000', `${base} sends HSTS`);
    }

    const redirected = await plainGet(`http://127.0.0.1:${redirectPort}/admin?from=link`);
    assert.equal(redirected.status, 308);
    assert.equal(redirected.location, `${platform}/admin?from=link`);

    const login = await httpsRequest(`${platform}/api/admin/login`, first.pem, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASS }),
    });
    assert.equal(login.status, 200, login.body);
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; HttpOnly/);

    const [code] = await app.codes(1);
    const validated = await httpsRequest(`${platform}/api/tokens/validate`, first.pem, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: `test-${randomUUID()}` }),
    });
    assert.equal(validated.status, 200, validated.body);
    const { token, playbackUrl } = JSON.parse(validated.body) as { token: string; playbackUrl: string };
    assert.equal(playbackUrl, '/streams/conf/index.m3u8', 'the player stays on its own (https) origin');
    const streams = (base: string) => httpsRequest(`${base}/streams/conf/index.m3u8`, first.pem, { headers: { authorization: `Bearer ${token}` } });
    // Nothing published: a valid token finds no playlist (404); a revoked one is refused (403).
    assert.equal((await streams(platform)).status, 404);
    assert.equal((await streams(edge)).status, 404);

    assert.equal((await runCli(['tokens', 'revoke', code!], { dataDir: app.dataDir })).code, 0);
    await waitFor('the mounted edge to refuse the revoked code', async () => (await streams(platform)).status === 403, 10_000);
    await waitFor('the stand-alone edge (syncing over https) to refuse it', async () => (await streams(edge)).status === 403, 10_000);
  });

  it('takes a renewed certificate without a restart, and keeps the current one when the new files are bad', async (t) => {
    const { app, platform, edge, first, second, live } = await startTlsAppliance(t);
    assert.equal(await peerFingerprint(platform), first.fingerprint);
    assert.equal(await peerFingerprint(edge), first.fingerprint);

    // A renewal: the key, then the certificate, each replaced by a rename.
    replaceFile(second.keyPath, live.key);
    replaceFile(second.certPath, live.cert);
    await waitFor('the platform to show the new certificate', async () => (await peerFingerprint(platform)) === second.fingerprint, 10_000);
    await waitFor('the edge to show the new certificate', async () => (await peerFingerprint(edge)) === second.fingerprint, 10_000);
    assert.equal((await httpsRequest(`${platform}/healthz`, second.pem)).status, 200, 'the new certificate serves requests');
    assert.match(app.logs(), /TLS certificate reloaded/);

    // A half-written certificate, then one whose key does not match: logged, and never served.
    fs.writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nMIIB\n');
    await waitFor('the bad certificate to be reported', () => /TLS certificate not reloaded/.test(app.logs()), 10_000);
    replaceFile(first.certPath, live.cert);
    await waitFor('the mismatched pair to be reported', () => /TLS certificate not reloaded.*key values mismatch/.test(app.logs()), 10_000);
    assert.equal(await peerFingerprint(platform), second.fingerprint, 'the platform still serves the last good certificate');
    assert.equal(await peerFingerprint(edge), second.fingerprint, 'so does the edge');
    assert.equal((await httpsRequest(`${platform}/healthz`, second.pem)).status, 200);
  });

  it('takes OBS\'s rtmps:// on STREAMGATE_RTMPS_PORT with the same certificate, and the event goes live', async (t) => {
    const rtmpsPort = await freePort();
    const { app, first } = await startTlsAppliance(t, { STREAMGATE_RTMPS_PORT: String(rtmpsPort) });
    const rtmpsUrl = `rtmps://127.0.0.1:${rtmpsPort}/live`;
    assert.match(app.logs(), /"rtmpsUrl":"rtmps:\/\/127\.0\.0\.1:\d+\/live"/);
    assert.equal(await peerFingerprint(rtmpsUrl), first.fingerprint, 'the ingest shows the platform\'s certificate');
    // FFmpeg itself (OBS's part): the product's test-pattern publisher speaks plain RTMP only.
    publishWith(t, `${rtmpsUrl}/${await app.streamKey()}`, ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p']);
    await waitFor('the event to go live over RTMPS', async () => (await app.status()) === 'live', 30_000);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 1, 30_000);
  });

  it('keeps its own mounted edge in sync even when nothing trusts the certificate, and an edge that does not trust it says why', async (t) => {
    // As with a real certificate for the public name, which 127.0.0.1 is not: no CA given to Node.
    const { app, platform, edge, first } = await startTlsAppliance(t, { NODE_EXTRA_CA_CERTS: '' });
    const [code] = await app.codes(1);
    const validated = await httpsRequest(`${platform}/api/tokens/validate`, first.pem, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: `test-${randomUUID()}` }),
    });
    const { token } = JSON.parse(validated.body) as { token: string };
    assert.equal((await runCli(['tokens', 'revoke', code!], { dataDir: app.dataDir })).code, 0);
    const mounted = () => httpsRequest(`${platform}/streams/conf/index.m3u8`, first.pem, { headers: { authorization: `Bearer ${token}` } });
    await waitFor('the mounted edge (over its loopback listener) to refuse the revoked code', async () => (await mounted()).status === 403, 10_000);
    await waitFor('the stand-alone edge to say why it cannot reach the platform', () => /revocation stream down.*self.signed certificate/.test(app.logs()), 10_000);
    assert.equal((await httpsRequest(`${edge}/healthz`, first.pem)).status, 200, 'it still serves');
  });

  it('refuses to start on a certificate and key that do not match, with one line saying so', async (t) => {
    const dir = tempDir('streamgate-tls-');
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const first = makeCertificate(dir, 'first');
    const second = makeCertificate(dir, 'second');
    const dataDir = await initialisedDataDir(t);
    const served = await runCli(['serve', 'platform'], { dataDir, env: { STREAMGATE_TLS_CERT: first.certPath, STREAMGATE_TLS_KEY: second.keyPath, PLATFORM_PORT: String(await freePort()) } });
    assert.equal(served.code, 1);
    assert.match(served.stderr, /^streamgate: tls certificate: the TLS certificate .*first\.crt and key .*second\.key do not make a usable pair: .*key values mismatch$/m);
    assert.doesNotMatch(served.stderr, /listening/);
  });
});
