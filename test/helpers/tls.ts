import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';

export interface TestCertificate {
  certPath: string;
  keyPath: string;
  pem: string;
  /** SHA-256 of the certificate, as X509Certificate.fingerprint256 gives it. */
  fingerprint: string;
  /** base64 SHA-256 of the public key (SPKI): what Chromium's --ignore-certificate-errors-spki-list pins. */
  spki: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost made by openssl, as an operator would for a test. */
export function makeCertificate(dir: string, name: string, commonName = 'streamgate.test'): TestCertificate {
  fs.mkdirSync(dir, { recursive: true });
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyPath, '-out', certPath,
  ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  const pem = fs.readFileSync(certPath, 'utf8');
  const x509 = new X509Certificate(pem);
  const spki = createHash('sha256').update(x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return { certPath, keyPath, pem, fingerprint: x509.fingerprint256, spki };
}

/** Replaces `target` with `source`'s bytes in one rename, as a renewal tool does. */
export function replaceFile(source: string, target: string): void {
  const temp = `${target}.new`;
  fs.copyFileSync(source, temp);
  fs.renameSync(temp, target);
}

/** The fingerprint of the certificate a new TLS connection to `url` is shown. */
export function peerFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false, servername: undefined }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.end();
      resolve(fingerprint);
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTPS request trusting `ca` only (not the system's store, not "any certificate"). */
export function httpsRequest(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca, agent: false, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (d) => (body += d));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`${url}: timed out`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A plain-HTTP GET that does not follow redirects: the status and where it points. */
export function plainGet(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, timeout: 5_000 }, (response) => {
      response.resume();
      resolve({ status: response.statusCode!, location: response.headers.location });
    }).on('error', reject);
  });
}
