import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Config } from '../../core/config.js';
import { loadKeyring, secretFileMode, secretPath } from '../../core/secret-store.js';
import type { CommandContext } from '../context.js';
import { colour, printJson, printTable } from '../output.js';

type Status = 'ok' | 'warn' | 'fail';
interface Check {
  name: string;
  status: Status;
  detail: string;
}

/** Each check answers for itself; one failing never hides the others. */
export async function runChecks(ctx: CommandContext): Promise<Check[]> {
  const { config } = ctx;
  const checks: Check[] = [checkDataDir(config), checkSecret(config)];
  checks.push(await checkDatabase(ctx));
  checks.push(await checkFfmpeg(config));
  for (const [name, port] of [['platform port', config.platformPort], ['edge port', config.edgePort], ['rtmp port', config.rtmpPort]] as const) {
    checks.push(await checkPort(name, config.host, port));
  }
  return checks;
}

function checkDataDir(config: Config): Check {
  try {
    fs.accessSync(config.dataDir, fs.constants.W_OK);
    return { name: 'data directory', status: 'ok', detail: config.dataDir };
  } catch {
    const exists = fs.existsSync(config.dataDir);
    return { name: 'data directory', status: 'fail', detail: `${config.dataDir} ${exists ? 'is not writable' : 'does not exist: run streamgate init'}` };
  }
}

function checkSecret(config: Config): Check {
  const mode = secretFileMode(config);
  if (mode === null) return { name: 'secret', status: 'fail', detail: `${secretPath(config)} missing: run streamgate init` };
  if (mode !== 0o600) return { name: 'secret', status: 'fail', detail: `${secretPath(config)} has mode 0${mode.toString(8)}: chmod 600 it` };
  try {
    const keyring = loadKeyring(config);
    const source = config.playbackSigningSecret ? 'PLAYBACK_SIGNING_SECRET' : 'data/secret';
    return { name: 'secret', status: 'ok', detail: `mode 0600, signing key ${keyring.current.kid} from ${source}, ${keyring.byKid.size} key(s)` };
  } catch (error) {
    return { name: 'secret', status: 'fail', detail: (error as Error).message };
  }
}

async function checkDatabase(ctx: CommandContext): Promise<Check> {
  try {
    const db = await ctx.db();
    const integrity = await sql<{ quick_check: string }>`pragma quick_check`.execute(db);
    const verdict = integrity.rows[0]?.quick_check ?? 'unknown';
    const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return verdict === 'ok'
      ? { name: 'database', status: 'ok', detail: `${ctx.config.databaseUrl.replace(/^sqlite:/, '')}, schema current, ${events.n} event(s)` }
      : { name: 'database', status: 'fail', detail: `integrity check: ${verdict}` };
  } catch (error) {
    return { name: 'database', status: 'fail', detail: (error as Error).message };
  }
}

async function checkFfmpeg(config: Config): Promise<Check> {
  try {
    const { stdout } = await promisify(execFile)(config.ffmpegPath, ['-hide_banner', '-version'], { timeout: 5_000 });
    return { name: 'ffmpeg', status: 'ok', detail: stdout.split('\n')[0] ?? config.ffmpegPath };
  } catch {
    return { name: 'ffmpeg', status: 'fail', detail: `${config.ffmpegPath} not found: apt-get install ffmpeg (or set FFMPEG_PATH)` };
  }
}

/** A port in use may be StreamGate itself, so it is a warning, not a failure. */
function checkPort(name: string, host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ name, status: 'warn', detail: `${host}:${port} ${error.code === 'EADDRINUSE' ? 'in use (already running?)' : error.code}` }),
    );
    server.listen(port, host, () => server.close(() => resolve({ name, status: 'ok', detail: `${host}:${port} free` })));
  });
}

export async function run(ctx: CommandContext): Promise<number> {
  const checks = await runChecks(ctx);
  const ok = checks.every((c) => c.status !== 'fail');
  if (ctx.out.json) printJson({ ok, checks });
  else {
    const tint = { ok: 'green', warn: 'yellow', fail: 'red' } as const;
    const rows = await Promise.all(checks.map(async (c) => [c.name, await colour(ctx.out, tint[c.status], c.status), c.detail]));
    await printTable(ctx.out, ['check', 'status', 'detail'], rows);
  }
  return ok ? 0 : 1;
}
