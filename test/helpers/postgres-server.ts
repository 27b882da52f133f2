import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { tempDir } from './cli.js';

const run = promisify(execFile);

/** Debian keeps each major version's server tools apart: the newest installed, unless PG_BIN says. */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server tools not found in /usr/lib/postgresql (apt-get install postgresql, or set PG_BIN)');
  return `/usr/lib/postgresql/${newest}/bin`;
}

export interface PostgresServer {
  /** postgres://… of its `postgres` database. */
  url: string;
  /** pg_ctl restart -m fast: every connection is cut, the server is back when this resolves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
async function pgTool(tool: string, args: string[]): Promise<void> {
  const PG_BIN = pgBin();
  const [command, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', `${PG_BIN}/${tool}`, ...args]] : [`${PG_BIN}/${tool}`, args];
  await run(command, argv, { timeout: 60_000 });
}

/**
 * A throwaway PostgreSQL of our own (initdb into a temporary folder), for a test that must restart
 * it without disturbing anyone else's database. Trust authentication on one loopback address, its
 * socket inside the folder. No fsync unless `durable` (a benchmark measures what users get).
 */
export async function startPostgresServer(host: string, port: number, { durable = false } = {}): Promise<PostgresServer> {
  const dir = tempDir('streamgate-pg-');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    fs.chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = `${dir}/data`;
  const options = `-c listen_addresses=${host} -p ${port} -c unix_socket_directories=${dir} -c max_connections=100${durable ? '' : ' -c fsync=off'}`;
  const pgCtl = (...args: string[]) => pgTool('pg_ctl', ['-D', data, '-l', `${dir}/server.log`, '-w', '-t', '30', ...args]);
  await pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await pgCtl('-o', options, 'start');
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    restart: () => pgCtl('-m', 'fast', '-o', options, 'restart'),
    async stop() {
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
