import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Log } from './log.js';

export interface CertificateFiles {
  cert: string;
  key: string;
}

/** What a TLS server is given: the PEM bytes as read, checked to make a context. */
export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
}

export interface CertificateReloaderOptions {
  files: CertificateFiles;
  log: Log;
  /** Called with each new pair that made a valid context (server.setSecureContext). */
  apply(pair: CertificatePair): void;
  /** Changes come in bursts (a renewal writes the key, then the certificate): one reload after the last. */
  debounceMs?: number;
  /** The fallback for file systems whose changes fs.watch misses (network mounts, some containers). */
  pollMs?: number;
}

/**
 * Reads a certificate and its key, and the first time they make a valid TLS context returns them;
 * throws a one-line error naming the file otherwise (a service must not start without its certificate).
 */
export function readCertificatePair(files: CertificateFiles): CertificatePair {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const pair = { cert: read(files.cert, 'certificate'), key: read(files.key, 'key') };
  try {
    // Fails on a PEM that does not parse and on a key that is not the certificate's.
    tls.createSecureContext(pair);
  } catch (error) {
    throw new Error(`the TLS certificate ${files.cert} and key ${files.key} do not make a usable pair: ${(error as Error).message}`);
  }
  return pair;
}

/** What the log says of a certificate: never the key, only what identifies the certificate. */
export function describeCertificate(cert: Buffer): Record<string, string> {
  try {
    const x509 = new X509Certificate(cert);
    return { subject: x509.subject.replace(/\n/g, ', '), validTo: new Date(x509.validTo).toISOString(), fingerprint256: x509.fingerprint256 };
  } catch {
    return {};
  }
}

/** The file as a change would show it: a renewal replaces it (new inode) or rewrites it (new mtime or size). */
function signature(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Keeps a TLS server's certificate in step with its files, without a restart: the folders holding
 * them are watched (a folder, not the file: certbot and Kubernetes replace a symlink, and a watch
 * on the old file would never fire again), and their mtimes are also checked every `pollMs` in case
 * the watch misses a change. A new pair is read only once it makes a valid context; a bad one (half
 * written, a key that does not match) is logged as an error and the server keeps the pair it has.
 */
export class CertificateReloader {
  private current: CertificatePair;
  private signatures: string;
  private watchers: fs.FSWatcher[] = [];
  private debounce: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: CertificateReloaderOptions) {
    this.current = readCertificatePair(options.files);
    this.signatures = this.currentSignatures();
  }

  /** The pair the server was (or is to be) created with. */
  get pair(): CertificatePair {
    return this.current;
  }

  start(): this {
    const { files, log } = this.options;
    for (const dir of new Set([path.dirname(path.resolve(files.cert)), path.dirname(path.resolve(files.key))])) {
      try {
        const watcher = fs.watch(dir, { persistent: false }, () => this.schedule());
        watcher.on('error', (error) => log.warn('TLS certificate folder watch failed; checking every few seconds instead', { dir, error: error.message }));
        this.watchers.push(watcher);
      } catch (error) {
        log.warn('TLS certificate folder cannot be watched; checking every few seconds instead', { dir, error: (error as Error).message });
      }
    }
    this.poll = setInterval(() => {
      if (this.currentSignatures() !== this.signatures) this.schedule();
    }, this.options.pollMs ?? 10_000);
    this.poll.unref();
    return this;
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.debounce) clearTimeout(this.debounce);
    if (this.poll) clearInterval(this.poll);
  }

  /** Reads the files now; true when the server took a new pair. */
  reload(): boolean {
    const { files, log, apply } = this.options;
    this.signatures = this.currentSignatures();
    let pair: CertificatePair;
    try {
      pair = readCertificatePair(files);
    } catch (error) {
      const message = (error as Error).message;
      // Once per bad state, not at every look: the old certificate keeps serving meanwhile.
      if (message !== this.lastError) log.error('TLS certificate not reloaded; still serving the previous one', { error: message });
      this.lastError = message;
      return false;
    }
    this.lastError = null;
    if (pair.cert.equals(this.current.cert) && pair.key.equals(this.current.key)) return false;
    try {
      apply(pair);
    } catch (error) {
      log.error('TLS certificate not reloaded; still serving the previous one', { error: (error as Error).message });
      return false;
    }
    this.current = pair;
    log.info('TLS certificate reloaded', describeCertificate(pair.cert));
    return true;
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.reload();
    }, this.options.debounceMs ?? 250);
    this.debounce.unref();
  }

  private currentSignatures(): string {
    return `${signature(this.options.files.cert)}|${signature(this.options.files.key)}`;
  }
}
