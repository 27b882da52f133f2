import fs from 'node:fs';
import { cliActor } from '../../core/audit-log.js';
import { openDatabase, writeTransaction } from '../../core/db/database.js';
import { octal, tightenModes } from '../../core/data-dir-modes.js';
import { describeDatabaseUrl, sqlitePath } from '../../core/config.js';
import { AppError } from '../../core/errors.js';
import { createEvent } from '../../core/events/event-service.js';
import { ensureSecretFile, loadKeyring, secretPath } from '../../core/secret-store.js';
import { activeKid } from '../../core/signing-keys.js';
import type { CommandContext } from '../context.js';
import { printFields, printJson } from '../output.js';

interface InitOptions {
  yes?: boolean;
}

export interface InitResult {
  dataDir: string;
  database: string;
  secret: string;
  created: string[];
  /** Files and the directory whose modes were too open, as they were. */
  tightened: { path: string; from: string; to: string }[];
}

/** Creates what is missing of the data directory, secret and database; safe to run again. */
export async function initialise(ctx: CommandContext): Promise<InitResult> {
  const { config } = ctx;
  const created: string[] = [];
  if (!fs.existsSync(config.dataDir)) {
    try {
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new AppError(400, 'data_dir_unwritable', `--data-dir: cannot create ${config.dataDir}: ${(error as Error).message}`);
    }
    created.push('dataDir');
  }
  try {
    fs.accessSync(config.dataDir, fs.constants.W_OK);
  } catch {
    throw new AppError(400, 'data_dir_unwritable', `--data-dir: ${config.dataDir} is not writable`);
  }
  if (ensureSecretFile(config)) created.push('secret');
  const dbFile = sqlitePath(config);
  // A PostgreSQL database is the operator's to create; its schema is made by openDatabase.
  const dbExisted = dbFile === null || fs.existsSync(dbFile);
  const db = await openDatabase(config, { create: true });
  if (!dbExisted) created.push('database');
  const { current } = loadKeyring(config);
  await writeTransaction(db, async (trx) => {
    // The first key is the active one; with one active already (a database shared with other
    // hosts), this host's keys follow it rather than replace it.
    const activated_at = (await activeKid(trx)) === null ? ctx.clock() : null;
    await trx
      .insertInto('signing_keys')
      .values({ kid: current.kid, created_at: ctx.clock(), retired_at: null, activated_at })
      .onConflict((oc) => oc.column('kid').doNothing())
      .execute();
  });
  await db.destroy();
  // An existing directory (an install's ./data is 0755) or database from an older version.
  const tightened = tightenModes(config).map((p) => ({ path: p.path, from: octal(p.mode), to: octal(p.wanted) }));
  return { dataDir: config.dataDir, database: dbFile ?? describeDatabaseUrl(config.databaseUrl), secret: secretPath(config), created, tightened };
}

export async function run(ctx: CommandContext, options: InitOptions): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !options.yes && !ctx.out.json;
  let firstEventTitle = '';
  if (interactive) {
    const { default: inquirer } = await import('inquirer');
    const answers = await inquirer.prompt<{ proceed: boolean; title: string }>([
      { type: 'confirm', name: 'proceed', message: `Set up StreamGate in ${ctx.config.dataDir}?`, default: true },
      {
        type: 'input',
        name: 'title',
        message: 'Title of a first event (leave empty to skip):',
        when: (a) => a.proceed,
      },
    ]);
    if (!answers.proceed) throw new AppError(400, 'aborted', 'nothing done');
    firstEventTitle = answers.title?.trim() ?? '';
  }
  const result = await initialise(ctx);
  if (firstEventTitle) {
    await createEvent({ db: await ctx.db(), clock: ctx.clock, actor: cliActor(), keyring: await ctx.keyring() }, { title: firstEventTitle, rewatchHours: ctx.config.defaultRewatchHours });
  }
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['data directory', result.dataDir],
    ['database', result.database],
    ['secret', `${result.secret} (mode 0600)`],
    ['created', result.created.length ? result.created.join(', ') : 'nothing: already initialised'],
    ...result.tightened.map((t): [string, string] => ['tightened', `${t.path}: mode ${t.from} → ${t.to} (was readable by other users)`]),
  ]);
  process.stdout.write('\nNext: streamgate events create --title "My event"\n');
}
