import fs from 'node:fs';
import { sql } from 'kysely';
import { checkDataDir, checkFfmpeg, checkFileModes, checkFreeDisk, checkLeftovers, checkPort, checkSecret, type Check } from '../checks.js';
import { checkTlsCertificate } from '../check-tls.js';
import { loadKeyring, secretPath } from '../../core/secret-store.js';
import { activeKid } from '../../core/signing-keys.js';
import type { CommandContext } from '../context.js';
import { describeDatabaseUrl } from '../../core/config.js';
import { toDatabaseError } from '../../core/database-errors.js';
import { databaseKind, isPostgresUrl, postgresUrl } from '../../core/db/database.js';
import { notificationRoundTrip } from '../../core/db/feed-notifications.js';
import { colour, printJson, printTable } from '../output.js';
// backup: begin (disk use per event, recording space)
import path from 'node:path';
import { mediaUsageByEvent, type MediaUsage } from '../../core/events/media-usage.js';
import { liveRecordingRates } from '../../core/events/recording-rate.js';
import { freeBytesAt, mediaUsageRows, recordingSpaceCheck } from '../recording-space.js';
// backup: end

/** Each check answers for itself; one failing never hides the others. */
export async function runChecks(ctx: CommandContext): Promise<Check[]> {
  const { config } = ctx;
  const checks: Check[] = [checkDataDir(config), checkFileModes(config), checkSecret(config), ...checkTlsCertificate(config)];
  checks.push(await checkDatabase(ctx));
  const push = await checkRevocationPush(ctx);
  if (push) checks.push(push);
  checks.push(await checkActiveKey(ctx));
  checks.push(checkLeftovers([config.dataDir, process.cwd()]));
  checks.push(checkFreeDisk(fs.existsSync(config.dataDir) ? config.dataDir : process.cwd()));
  const space = await checkRecordingSpace(ctx);
  if (space) checks.push(space);
  checks.push(await checkFfmpeg(config));
  for (const [name, port] of [['platform port', config.platformPort], ['edge port', config.edgePort], ['rtmp port', config.rtmpPort]] as const) {
    checks.push(await checkPort(name, config.host, port));
  }
  return checks;
}



/**
 * Opening the database brings its schema up to date (or fails saying which migration did). SQLite
 * is then checked for damage in its file; PostgreSQL looks after its own pages, so its check names
 * the server's version instead.
 */
async function checkDatabase(ctx: CommandContext): Promise<Check> {
  try {
    const db = await ctx.db();
    const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (databaseKind(db) === 'postgres') {
      const { rows } = await sql<{ version: string }>`select current_setting('server_version') as version`.execute(db);
      return { name: 'database', status: 'ok', detail: `${describeDatabaseUrl(ctx.config.databaseUrl)} (PostgreSQL ${rows[0]?.version ?? '?'}), schema current, ${events.n} event(s)` };
    }
    const integrity = await sql<{ quick_check: string }>`pragma quick_check`.execute(db);
    const verdict = integrity.rows[0]?.quick_check ?? 'unknown';
    return verdict === 'ok'
      ? { name: 'database', status: 'ok', detail: `${ctx.config.databaseUrl.replace(/^sqlite:/, '')}, schema current, ${events.n} event(s)` }
      : { name: 'database', status: 'fail', detail: `integrity check: ${verdict}` };
  } catch (error) {
    return { name: 'database', status: 'fail', detail: (toDatabaseError(error) as Error).message };
  }
}



// backup: begin
/** Null when the database cannot be read: the database check says why. */
async function checkRecordingSpace(ctx: CommandContext): Promise<Check | null> {
  const free = freeBytesAt(fs.existsSync(ctx.config.dataDir) ? ctx.config.dataDir : process.cwd());
  if (free === null) return null;
  try {
    return recordingSpaceCheck(free, await liveRecordingRates(await ctx.db()));
  } catch {
    return null;
  }
}

function mediaUsage(ctx: CommandContext): MediaUsage[] {
  return mediaUsageByEvent(path.join(ctx.config.dataDir, 'hls'));
}
// backup: end

/**
 * PostgreSQL only: replicas hear of new revocations by LISTEN/NOTIFY, which a pooler in
 * transaction mode silently breaks. Then revocations still arrive, by the 2 s poll: a warning.
 */
async function checkRevocationPush(ctx: CommandContext): Promise<Check | null> {
  try {
    const db = await ctx.db();
    const url = postgresUrl(db);
    if (!url) return null;
    const ms = await notificationRoundTrip(db, url);
    return ms === null
      ? { name: 'revocation push', status: 'warn', detail: 'LISTEN/NOTIFY heard nothing in 2 s: revocations reach edges by the 2 s poll only. A pooler in transaction mode (PgBouncer) breaks LISTEN: point DATABASE_URL at PostgreSQL or a session-mode pool' }
      : { name: 'revocation push', status: 'ok', detail: `LISTEN/NOTIFY round trip ${ms} ms` };
  } catch (error) {
    // Revocations still arrive by the poll; what is wrong with the database is the database check's to say.
    return isPostgresUrl(ctx.config.databaseUrl) ? { name: 'revocation push', status: 'warn', detail: (toDatabaseError(error) as Error).message } : null;
  }
}

/**
 * The key `keys activate` made active (in the database) must be in this host's data/secret, or
 * the platform here keeps signing with the one it has.
 */
async function checkActiveKey(ctx: CommandContext): Promise<Check> {
  const name = 'active key';
  if (ctx.config.playbackSigningSecret) return { name, status: 'ok', detail: 'PLAYBACK_SIGNING_SECRET signs' };
  try {
    const active = await activeKid(await ctx.db());
    const keyring = loadKeyring(ctx.config);
    if (active === null) return { name, status: 'ok', detail: `none recorded in the database: ${keyring.current.kid} from data/secret signs` };
    if (keyring.byKid.has(active)) return { name, status: 'ok', detail: `${active} (active in the database) is in data/secret here` };
    return {
      name,
      status: 'fail',
      detail: `${active} (active in the database) is not in ${secretPath(ctx.config)}: copy data/secret from the host that ran "keys add"; the platform here signs with ${keyring.current.kid} meanwhile`,
    };
  } catch (error) {
    return { name, status: 'fail', detail: (error as Error).message };
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const checks = await runChecks(ctx);
  const failed = checks.filter((c) => c.status === 'fail').map((c) => c.name);
  const ok = failed.length === 0;
  const media = mediaUsage(ctx);
  if (ctx.out.json) printJson({ ok, checks, media });
  else {
    const tint = { ok: 'green', warn: 'yellow', fail: 'red' } as const;
    const rows = await Promise.all(checks.map(async (c) => [c.name, await colour(ctx.out, tint[c.status], c.status), c.detail]));
    await printTable(ctx.out, ['check', 'status', 'detail'], rows);
    if (media.length > 0) {
      process.stdout.write('\nDisk use per event (data/hls):\n');
      await printTable(ctx.out, ['event', 'files', 'size'], mediaUsageRows(media));
    }
  }
  if (!ok) process.stderr.write(`streamgate: ${failed.length === 1 ? 'a check failed' : `${failed.length} checks failed`}: ${failed.join(', ')}\n`);
  return ok ? 0 : 1;
}
