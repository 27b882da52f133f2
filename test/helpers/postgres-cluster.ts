import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL cluster: initdb into a temporary folder, trust authentication, listening
 * only on 127.0.0.1 (and a socket in that folder), fsync off. PostgreSQL refuses to run as root,
 * so as root the folder belongs to the `postgres` user and its commands run as that user.
 * scripts/run-tests.js starts one for the PostgreSQL pass; tests that stop and start a server
 * start their own.
 */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  dir: string;
  start(): void;
  /** `immediate` drops every connection at once, as a crash or a network cut would. */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Stops it (if running) and deletes its folder. */
  remove(): void;
}

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/15/bin), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `durable`: PostgreSQL's own defaults (fsync, full page writes), for a benchmark measuring what users get. */
export async function startPostgresCluster({ durable = false } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (install.sh --dev installs them)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-test-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chown', ['postgres:postgres', dir]);
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]] : [path.join(bin, command), args];
    const result = spawnSync(file!, argv as string[], { encoding: 'utf8', cwd: dir, timeout: 90_000 });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout || result.error}`);
  };
  const data = path.join(dir, 'data');
  const port = await freePort();
  const settings = [
    `-p ${port}`, "-c listen_addresses='127.0.0.1'", `-c unix_socket_directories='${dir}'`,
    // Throwaway data: surviving a power cut is not wanted, speed is. Commits stay synchronous, so a
    // server killed mid-test (stop('immediate')) keeps every transaction it acknowledged.
    ...(durable ? [] : ['-c fsync=off', '-c full_page_writes=off']), '-c max_connections=300',
  ].join(' ');
  let running = false;
  const cluster: PostgresCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start() {
      run('pg_ctl', ['-D', data, '-o', settings, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      running = true;
    },
    stop(mode = 'fast') {
      if (!running) return;
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    remove() {
      try {
        cluster.stop('immediate');
      } catch {
        // already gone
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    run('initdb', ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync', '--no-instructions']);
    cluster.start();
    return cluster;
  } catch (error) {
    cluster.remove();
    throw error;
  }
}
