import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CertificateReloader, readCertificatePair, type CertificatePair } from './certificate-reloader.js';
import { createLog } from './log.js';

function certificate(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 20_000 });
  return { cert, key };
}

describe('CertificateReloader', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-cert-'));
  const a = certificate(dir, 'a');
  const b = certificate(dir, 'b');
  const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
  const install = (pair: { cert: string; key: string }) => {
    fs.copyFileSync(pair.cert, live.cert);
    fs.copyFileSync(pair.key, live.key);
  };

  it('refuses to start on a missing file or a key of another certificate, naming the files', () => {
    assert.throws(() => readCertificatePair({ cert: path.join(dir, 'none.crt'), key: a.key }), /cannot read the TLS certificate .*none\.crt: ENOENT/);
    assert.throws(() => readCertificatePair({ cert: a.cert, key: b.key }), /a\.crt and key .*b\.key do not make a usable pair: .*key values mismatch/);
  });

  it('applies a new pair once, keeps the old one on a bad pair (logged once per fault) or when applying fails', () => {
    install(a);
    const lines: string[] = [];
    const applied: CertificatePair[] = [];
    let failApply = false;
    const reloader = new CertificateReloader({
      files: live,
      log: createLog('test', (line) => lines.push(line)),
      apply: (pair) => {
        if (failApply) throw new Error('refused by the server');
        applied.push(pair);
      },
    });
    assert.equal(reloader.reload(), false, 'nothing changed');
    install(b);
    assert.equal(reloader.reload(), true);
    assert.equal(applied.length, 1);
    assert.ok(reloader.pair.cert.equals(fs.readFileSync(b.cert)));
    assert.match(lines.join(''), /"TLS certificate reloaded".*"subject":"CN=b"/);
    assert.doesNotMatch(lines.join(''), /PRIVATE KEY/, 'never the key');

    fs.copyFileSync(a.cert, live.cert); // b's key with a's certificate
    assert.equal(reloader.reload(), false);
    assert.equal(reloader.reload(), false);
    assert.equal(lines.filter((l) => /not reloaded/.test(l)).length, 1, 'one error for one fault');
    assert.ok(reloader.pair.cert.equals(fs.readFileSync(b.cert)), 'still the last good pair');

    fs.copyFileSync(a.key, live.key);
    failApply = true;
    assert.equal(reloader.reload(), false);
    assert.match(lines.at(-1)!, /refused by the server/);
    failApply = false;
    assert.equal(reloader.reload(), true, 'taken once the server accepts it');
    assert.equal(applied.length, 2);
    reloader.stop();
  });

  it('notices a change by itself (folder watch or mtime check) and applies it after the burst', async () => {
    install(a);
    const applied: CertificatePair[] = [];
    const reloader = new CertificateReloader({ files: live, log: createLog('test', () => undefined), apply: (pair) => applied.push(pair), debounceMs: 50, pollMs: 200 }).start();
    try {
      install(b);
      for (let waited = 0; applied.length === 0 && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.equal(applied.length, 1, 'one reload for the key and certificate written together');
      assert.ok(applied[0]!.cert.equals(fs.readFileSync(b.cert)));
    } finally {
      reloader.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
