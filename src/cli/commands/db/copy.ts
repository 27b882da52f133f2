import { copyDatabase, type CopyReport } from '../../../core/db/database-copy.js';
import { openDatabase, type Db } from '../../../core/db/database.js';
import { databaseUrlKind, hasPassword, redactDatabaseUrl } from '../../../core/db/database-url.js';
import { AppError, invalidInput, operationalFailure } from '../../../core/errors.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { ProgressBar } from '../../progress-bar.js';

interface CopyFlags {
  to?: string;
  toEnv?: string;
}

/**
 * Moves this install's database into an empty one (normally PostgreSQL, for scaling out), all or
 * nothing, and prints what each side holds. See core/db/database-copy.ts for the guarantees.
 */
export async function run(ctx: CommandContext, options: CopyFlags): Promise<void> {
  const targetUrl = targetUrlFrom(options);
  databaseUrlKind(targetUrl, options.toEnv ?? '--to');
  if (targetUrl === ctx.config.databaseUrl) throw invalidInput('--to: that is the database this install uses already (DATABASE_URL)');
  const source = await ctx.db();
  const target = await openTarget(ctx, targetUrl);
  const progress = new ProgressBar('rows [{bar}] {percentage}% | ETA {eta}s');
  const started = performance.now();
  let report: CopyReport;
  try {
    report = await copyDatabase(source, target, { onProgress: progress.update });
  } finally {
    progress.stop();
    await target.destroy();
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const from = redactDatabaseUrl(ctx.config.databaseUrl);
  const to = redactDatabaseUrl(targetUrl);
  if (ctx.out.json) return printJson({ source: from, target: to, rows: report.rows, seconds, verified: true, tables: report.tables });
  await printTable(ctx.out, ['table', 'source rows', 'target rows', 'key checksum'], report.tables.map((t) => [
    t.table, t.sourceRows, t.targetRows, t.checksum,
  ]));
  process.stdout.write(`copied ${report.rows} rows from ${from} to ${to} in ${seconds} s; counts and key checksums match\n`);
}

/**
 * The target comes from `--to` or from the environment variable `--to-env` names. A password may
 * only come through the environment (the variable, PGPASSWORD or ~/.pgpass): argv is visible to
 * every user of the host (`ps`) and stays in the shell history.
 */
function targetUrlFrom(options: CopyFlags): string {
  if (options.toEnv !== undefined) {
    const value = process.env[options.toEnv];
    if (!value) throw invalidInput(`--to-env: the environment variable ${options.toEnv} is not set`);
    return value;
  }
  if (options.to === undefined) throw invalidInput('say where to copy to: --to postgres://USER@HOST/DATABASE, or --to-env VAR');
  if (hasPassword(options.to)) {
    throw invalidInput(
      '--to: the URL holds a password, which would show in the process list and shell history; drop it and set PGPASSWORD or use ~/.pgpass, or put the whole URL in an environment variable and pass --to-env VAR',
      'password_in_argv',
    );
  }
  return options.to;
}

/** Opens the target and brings its schema up to date with the same migrations as every install. */
async function openTarget(ctx: CommandContext, url: string): Promise<Db> {
  try {
    return await openDatabase({ ...ctx.config, databaseUrl: url }, { create: true });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw error;
    // Driver messages name the host and user at most, never the password; the URL is redacted.
    throw operationalFailure(`cannot open the target ${redactDatabaseUrl(url)}: ${(error as Error).message}`, 'target_unavailable');
  }
}
