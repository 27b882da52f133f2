import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../core/config.js';
import { checkTlsCertificate } from './check-tls.js';

const DAY = 86_400_000;

describe('checkTlsCertificate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-check-tls-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const make = (name: string) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.crt`)], { stdio: 'ignore', timeout: 20_000 });
    return { STREAMGATE_TLS_CERT: path.join(dir, `${name}.crt`), STREAMGATE_TLS_KEY: path.join(dir, `${name}.key`) };
  };
  const a = make('a.example');
  const b = make('b.example');
  const now = Date.now();

  it('is not run without TLS', () => assert.deepEqual(checkTlsCertificate(loadConfig({})), []));

  const cases: [string, Record<string, string>, number, string, RegExp][] = [
    ['a good pair', a, now, 'ok', /DNS:a\.example; valid until .* \(2\d days\)/],
    ['two weeks before it ends: renewal did not happen', a, now + 20 * DAY, 'warn', /\(\d+ days\)/],
    ['expired', a, now + 31 * DAY, 'fail', /expired on/],
    ['a key of another certificate', { STREAMGATE_TLS_CERT: a.STREAMGATE_TLS_CERT, STREAMGATE_TLS_KEY: b.STREAMGATE_TLS_KEY }, now, 'fail', /do not make a usable pair/],
    ['a missing file', { ...a, STREAMGATE_TLS_CERT: path.join(dir, 'none.crt') }, now, 'fail', /cannot read the TLS certificate .*none\.crt/],
  ];
  for (const [name, env, at, status, detail] of cases) {
    it(name, () => {
      const [check] = checkTlsCertificate(loadConfig(env), at);
      assert.equal(check?.status, status);
      assert.match(check!.detail, detail);
    });
  }
});
