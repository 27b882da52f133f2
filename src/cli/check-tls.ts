import { X509Certificate } from 'node:crypto';
import type { Config } from '../core/config.js';
import { readCertificatePair } from '../core/certificate-reloader.js';
import type { Check } from './checks.js';

/** Renewals (certbot, Caddy) run 30 days ahead; a certificate this close to its end was not renewed. */
const EXPIRY_WARNING_DAYS = 14;

/**
 * Built-in HTTPS (STREAMGATE_TLS_CERT/KEY): the pair is readable, parses and matches, and is not
 * about to expire. No check at all without TLS.
 */
export function checkTlsCertificate(config: Config, now = Date.now()): Check[] {
  if (!config.tlsCert || !config.tlsKey) return [];
  try {
    const { cert } = readCertificatePair({ cert: config.tlsCert, key: config.tlsKey });
    const x509 = new X509Certificate(cert);
    const validTo = Date.parse(x509.validTo);
    const days = Math.floor((validTo - now) / 86_400_000);
    const names = x509.subjectAltName ?? x509.subject.replace(/\n/g, ', ');
    if (validTo <= now) return [{ name: 'tls certificate', status: 'fail', detail: `${config.tlsCert} expired on ${new Date(validTo).toISOString()}` }];
    const detail = `${names}; valid until ${new Date(validTo).toISOString()} (${days} days)`;
    return [{ name: 'tls certificate', status: days < EXPIRY_WARNING_DAYS ? 'warn' : 'ok', detail }];
  } catch (error) {
    return [{ name: 'tls certificate', status: 'fail', detail: (error as Error).message }];
  }
}
