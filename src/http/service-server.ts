import http from 'node:http';
import https from 'node:https';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';
import { CertificateReloader, describeCertificate } from '../core/certificate-reloader.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface ServiceServer {
  server: http.Server | https.Server;
  scheme: 'http' | 'https';
  /** Stops watching the certificate files (the caller closes the server). */
  stopReloading(): void;
}

/**
 * A service's listener, not yet listening: plain HTTP, or HTTPS when STREAMGATE_TLS_CERT and
 * STREAMGATE_TLS_KEY are set, its certificate reloaded whenever the files change (no restart, no
 * connection dropped: connections made before keep the certificate they were made with).
 */
export function createServiceServer(handler: Handler, config: Pick<Config, 'tlsCert' | 'tlsKey'>, log: Log): ServiceServer {
  if (!config.tlsCert || !config.tlsKey) return { server: http.createServer(handler), scheme: 'http', stopReloading: () => undefined };
  let server: https.Server | null = null;
  const reloader = new CertificateReloader({
    files: { cert: config.tlsCert, key: config.tlsKey },
    log,
    apply: (pair) => server!.setSecureContext(pair),
  });
  server = https.createServer({ ...reloader.pair }, handler);
  log.info('TLS certificate loaded', describeCertificate(reloader.pair.cert));
  reloader.start();
  return { server, scheme: 'https', stopReloading: () => reloader.stop() };
}
