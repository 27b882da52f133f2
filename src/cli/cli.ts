import { Command, Option } from 'commander';
import { streamgateVersion } from '../core/version.js';
import { CommandContext, type GlobalOptions } from './context.js';

/** A command module: one per file under commands/, loaded only when that command runs. */
export interface CommandModule {
  run(ctx: CommandContext, options: Record<string, any>, args: string[]): Promise<number | void>;
}

function action(load: () => Promise<CommandModule>) {
  return async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const options = command.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
    const args = params.slice(0, -2).flat() as string[];
    const ctx = new CommandContext(options);
    try {
      const exitCode = await (await load()).run(ctx, options, args);
      if (exitCode) process.exitCode = exitCode;
    } finally {
      await ctx.close();
    }
  };
}

/** Every command and flag, in one place (SPEC §2). */
export function buildProgram(): Command {
  const program = new Command('streamgate')
    .description('Ticket-gated live streaming and video on demand: access codes, gated HLS, RTMP ingest.')
    .version(streamgateVersion(), '-V, --version')
    .option('--json', 'print one JSON document on stdout')
    .option('--data-dir <dir>', 'data directory (env STREAMGATE_DATA_DIR, default ./data under the install)')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  const sub = (parent: Command, name: string) =>
    parent.command(name).exitOverride().configureOutput({ outputError: () => undefined });

  sub(program, 'init')
    .description('create the data directory, database and secret (idempotent)')
    .option('-y, --yes', 'do not ask questions')
    .action(action(() => import('./commands/init.js')));

  sub(program, 'up')
    .description('initialise if needed, run every service and print the URLs')
    .option('--demo', 'also create a demo event with codes and a live test pattern')
    .action(action(() => import('./commands/up.js')));

  sub(program, 'serve')
    .description('run services: all (default), platform, edge or ingest')
    .argument('[service]', 'all | platform | edge | ingest', 'all')
    .action(action(() => import('./commands/serve.js')));

  // The watch page's branding (issue 14): the same flags on create and update; "none" clears on update.
  const brandingOptions = {
    description: () => new Option('--description <text>', 'what the watch page says about the event (up to 2000 characters)'),
    organiser: () => new Option('--organiser <name>', 'who presents it, shown under the title'),
    poster: () => new Option('--poster <file>', 'PNG, JPEG or WebP, at most 2 MiB, shown before and around the player'),
    logo: () => new Option('--logo <file>', 'PNG, JPEG or WebP, at most 512 KiB, shown beside the title'),
    accent: () => new Option('--accent <#rrggbb>', "the page's accent colour, e.g. '#c0392b'"),
    language: () => new Option('--language <lang>', "the page's language when the viewer's browser asks for none we have").choices(['en', 'de', 'fr', 'es']),
  };
  const events = sub(program, 'events').description('create and manage events');
  sub(events, 'create')
    .description('create an event with its own stream key')
    .requiredOption('--title <title>', 'what viewers see')
    .option('--id <slug>', 'event id (default: from the title)')
    .option('--starts-at <time>', 'ISO 8601 start time')
    .option('--ends-at <time>', 'ISO 8601 end time')
    .option('--rewatch <duration>', 'how long codes keep working after the end (e.g. 48h)')
    .option('--ladder <spec>', 'live output: copy (default) or renditions, e.g. 720p,480p,360p')
    .addOption(brandingOptions.description()).addOption(brandingOptions.organiser()).addOption(brandingOptions.poster())
    .addOption(brandingOptions.logo()).addOption(brandingOptions.accent()).addOption(brandingOptions.language())
    .addOption(new Option('--device-policy <policy>', 'a device beyond a code\'s seats: refused (block, default) or takes over the least recent').choices(['block', 'takeover']))
    .option('--public', 'plays without a code: anyone with the watch page link can watch')
    .action(action(() => import('./commands/events/create.js')));
  sub(events, 'list').description('list events').action(action(() => import('./commands/events/list.js')));
  sub(events, 'show')
    .description('show one event, with its RTMP URL and stream key')
    .argument('<id>')
    .action(action(() => import('./commands/events/show.js')));
  sub(events, 'stats')
    .description('viewer analytics: watching now, peak, sessions, watch time, bytes, viewers over time')
    .argument('<id>')
    .option('--csv', 'the viewers over time as CSV (at,viewers,average)')
    .option('--from <time>', 'ISO 8601 start of the series (default: the first sample)')
    .option('--to <time>', 'ISO 8601 end of the series (default: now)')
    .addOption(new Option('--resolution <r>', 'per minute (kept 7 days) or per hour').choices(['minute', 'hour']))
    .action(action(() => import('./commands/events/stats.js')));
  sub(events, 'update')
    .description('change title, times, rewatch window, live output, public access or watch page')
    .argument('<id>')
    .option('--title <title>')
    .option('--starts-at <time>', 'ISO 8601, or "none"')
    .option('--ends-at <time>', 'ISO 8601, or "none"')
    .option('--rewatch <duration>')
    .option('--ladder <spec>', 'copy or renditions, e.g. 720p,480p,360p (from the next publish)')
    .addOption(new Option('--device-policy <policy>', 'a device beyond a code\'s seats: refused (block) or takes over the least recent').choices(['block', 'takeover']))
    .option('--public', 'plays without a code from now on')
    .option('--no-public', 'needs a code again: anonymous viewers stop within a second')
    .addOption(new Option('--go-live', 'start now: a rehearsal under way becomes the show, viewers get in').conflicts('startsAt'))
    .addOption(brandingOptions.description()).addOption(brandingOptions.organiser()).addOption(brandingOptions.poster())
    .addOption(brandingOptions.logo()).addOption(brandingOptions.accent()).addOption(brandingOptions.language())
    .action(action(() => import('./commands/events/update.js')));
  sub(events, 'status')
    .description("the event's stream health: publisher, resolution, bitrates, keyframes, FFmpeg speed, warnings")
    .argument('<id>')
    .option('--watch', 'read again every 2 s until Ctrl-C (with --json: one JSON line each time)')
    .action(action(() => import('./commands/events/status.js')));
  sub(events, 'reset-recording')
    .description('delete what was recorded so far (e.g. a rehearsal) before the show')
    .argument('<id>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/events/reset-recording.js')));
  // backup: begin (events prune)
  sub(events, 'prune')
    .description('delete events that ended before a time: their recordings, codes, sessions and statistics (a dry run without --yes)')
    .requiredOption('--ended-before <time>', 'ISO 8601 time, or a duration ago such as 90d')
    .option('-y, --yes', 'delete (without it: list what would go, and ask on a terminal)')
    .action(action(() => import('./commands/events/prune.js')));
  // backup: end
  sub(events, 'archive')
    .description('end an event for good: every code stops working')
    .argument('<id>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/events/archive.js')));
  sub(events, 'rotate-key')
    .description('give the event a new stream key')
    .argument('<id>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/events/rotate-key.js')));

  const tokens = sub(program, 'tokens').description('issue, list, revoke and rotate access codes');
  sub(tokens, 'create')
    .description('issue new access codes (CSV on stdout or --out)')
    .requiredOption('--event <id>')
    .requiredOption('--count <n>', 'how many codes (1 to 1,000,000)')
    .addOption(new Option('--expires-at <time>', 'ISO 8601 expiry').conflicts('expiresIn'))
    .option('--expires-in <duration>', 'expiry from now, e.g. 7d')
    .option('--label <label>', 'group name, e.g. vip')
    .option('--devices <n>', 'devices each code may play on at once (1 to 100, default 1)')
    .option('--out <file.csv>', 'write the codes here (mode 0600) instead of stdout')
    .option('--force', 'replace an existing --out file')
    .action(action(() => import('./commands/tokens/create.js')));
  sub(tokens, 'list')
    .description('list codes with their status (never the codes themselves)')
    .requiredOption('--event <id>')
    .addOption(new Option('--status <status>').choices(['active', 'used', 'revoked', 'expired']))
    .option('--label <label>')
    .option('--limit <n>', 'at most this many codes (in id order)')
    .option('--offset <n>', 'skip this many first (with --limit: pages)')
    .action(action(() => import('./commands/tokens/list.js')));
  sub(tokens, 'show')
    .description("one code as a viewer typed it (any case, dashes): its status, label, expiry, use and sessions")
    .argument('<code>', 'the code, or - to read it from stdin (keeps it out of ps and the shell history)')
    .action(action(() => import('./commands/tokens/show.js')));
  sub(tokens, 'revoke')
    .description('revoke codes: as arguments, from --file, from stdin (-), or by --event/--label')
    .argument('[codes...]', 'codes, or - to read them from stdin')
    .option('--event <id>', 'only codes of this event (alone: all of them)')
    .option('--label <label>', 'only codes with this label')
    .option('--file <file>', 'codes from a CSV (column "code") or one per line')
    .option('--reason <text>', 'kept in the audit log')
    .option('-y, --yes', 'do not ask on a terminal (asked only for --event/--label)')
    .action(action(() => import('./commands/tokens/revoke.js')));
  sub(tokens, 'rotate')
    .description('revoke codes and issue as many new ones, in one transaction')
    .requiredOption('--event <id>')
    .option('--label <label>', 'only codes with this label (the new ones get it too)')
    .option('--unused', 'only codes nobody has used yet')
    .option('-y, --yes', 'do not ask on a terminal')
    .addOption(new Option('--expires-at <time>').conflicts('expiresIn'))
    .option('--expires-in <duration>')
    .option('--out <file.csv>', 'write the new codes here (mode 0600) instead of stdout')
    .option('--force', 'replace an existing --out file')
    .action(action(() => import('./commands/tokens/rotate.js')));

  const vod = sub(program, 'vod').description('video on demand');
  sub(vod, 'import')
    .description("make a recorded file the event's VOD (copied when H.264/AAC, else transcoded)")
    .argument('<id>', 'event id')
    .argument('<file>', 'video file')
    .action(action(() => import('./commands/vod/import.js')));

  const keys = sub(program, 'keys').description('playback signing keys');
  sub(keys, 'rotate')
    .description('new signing key, active at once (one host); the old one verifies until its tokens expire, then nothing')
    .action(action(() => import('./commands/keys/rotate.js')));
  sub(keys, 'add')
    .description('several hosts, step 1: a new key that verifies but signs nothing yet; then copy data/secret to every host')
    .action(action(() => import('./commands/keys/add.js')));
  sub(keys, 'activate')
    .description('several hosts, step 2: every platform replica signs with this key (each once its data/secret holds it)')
    .argument('<kid>', 'the key id from keys add (see keys list)')
    .action(action(() => import('./commands/keys/activate.js')));
  sub(keys, 'list')
    .description('the signing keys: active, added (not active yet), retired (until when they verify) or revoked')
    .action(action(() => import('./commands/keys/list.js')));
  sub(keys, 'revoke')
    .description('a leaked key: every service and edge refuses its tokens within a second')
    .argument('<kid>', 'the key id (see keys list)')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/keys/revoke.js')));

  const sessions = sub(program, 'sessions').description('viewing sessions');
  sub(sessions, 'list')
    .description('sessions playing now (heartbeat within 90 s)')
    .option('--event <id>', 'only this event')
    .action(action(() => import('./commands/sessions/list.js')));
  sub(sessions, 'end')
    .description('end a session: its player stops, the code is free again')
    .argument('<sessionId>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/sessions/end.js')));

  const apikeys = sub(program, 'apikeys').description('API keys for the admin API');
  sub(apikeys, 'create')
    .description('a new key (shown once); global, or limited to one event')
    .requiredOption('--name <name>', 'what it is for, e.g. "ticket shop"')
    .addOption(new Option('--scope <scope>', 'global or event').choices(['global', 'event']).default('global'))
    .option('--event <id>', 'the event, with --scope event')
    .option('--allow-ip <cidr...>', 'only from these addresses or CIDR ranges')
    .action(action(() => import('./commands/apikeys/create.js')));
  sub(apikeys, 'list')
    .description('every key (never the key itself)')
    .action(action(() => import('./commands/apikeys/list.js')));
  sub(apikeys, 'revoke')
    .description('the key fails from its next request')
    .argument('<id>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/apikeys/revoke.js')));

  const webhooks = sub(program, 'webhooks').description('signed HTTP notifications to a ticket shop or any receiver');
  sub(webhooks, 'add')
    .description('a new webhook (its signing secret is shown once)')
    .argument('<url>', 'http:// or https:// URL that receives POSTs')
    .option('--events <types>', 'comma-separated: event.live,event.ended,code.redeemed,code.revoked,session.started,session.ended')
    .action(action(() => import('./commands/webhooks/add.js')));
  sub(webhooks, 'list').description('every webhook (never its secret)').action(action(() => import('./commands/webhooks/list.js')));
  sub(webhooks, 'remove')
    .description('remove a webhook with its pending deliveries and its log')
    .argument('<id>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/webhooks/remove.js')));
  sub(webhooks, 'deliveries')
    .description('the delivery log, newest first: status, attempts, response, last error')
    .argument('[id]', 'only this webhook')
    .addOption(new Option('--status <status>').choices(['pending', 'delivered', 'failed']))
    .option('--limit <n>', 'how many (default 50, at most 1000)')
    .action(action(() => import('./commands/webhooks/deliveries.js')));

  const admin = sub(program, 'admin').description('admin console logins');
  sub(admin, 'set-password')
    .description('create a console user or change its password (prompted, or the first line of stdin)')
    .option('--user <name>', 'user name', 'admin')
    .action(action(() => import('./commands/admin/set-password.js')));
  const users = sub(admin, 'users').description('console users and their roles: owner, operator, support');
  const roleOption = () => new Option('--role <role>', 'owner (everything), operator (events, codes, sessions, webhooks) or support (read, look up, revoke, end sessions)').choices(['owner', 'operator', 'support']).makeOptionMandatory();
  const eventOption = () => new Option('--event <id...>', 'limit an operator or support user to these events (default: every event)');
  sub(users, 'add')
    .description('a console user with a role; its password is prompted (or the first line of stdin)')
    .argument('<name>')
    .addOption(roleOption())
    .addOption(eventOption())
    .action(action(() => import('./commands/admin/users/add.js')));
  sub(users, 'list')
    .description('every console user with its role, events and 2FA')
    .action(action(() => import('./commands/admin/users/list.js')));
  sub(users, 'remove')
    .description('remove a console user; its sessions end at once')
    .argument('<name>')
    .option('-y, --yes', 'do not ask on a terminal')
    .action(action(() => import('./commands/admin/users/remove.js')));
  sub(users, 'set-role')
    .description("change a user's role and events; its sessions end")
    .argument('<name>')
    .argument('<role>', 'owner, operator or support')
    .addOption(eventOption())
    .action(action(() => import('./commands/admin/users/set-role.js')));
  sub(users, 'invite')
    .description('print a one-time link (24 h) where a new user sets a password and 2FA')
    .argument('<name>')
    .addOption(roleOption())
    .addOption(eventOption())
    .action(action(() => import('./commands/admin/users/invite.js')));
  const twoFactor = sub(admin, '2fa').description('two-factor login (TOTP)');
  sub(twoFactor, 'enable')
    .description('show a QR code for an authenticator app, then confirm with a code')
    .option('--user <name>', 'user name', 'admin')
    .action(action(() => import('./commands/admin/2fa-enable.js')));
  sub(twoFactor, 'disable')
    .description('turn two-factor login off')
    .option('--user <name>', 'user name', 'admin')
    .action(action(() => import('./commands/admin/2fa-disable.js')));

  const db = sub(program, 'db').description('the database');
  sub(db, 'copy')
    .description("copy this install's database into a new, empty one (PostgreSQL to scale out): all or nothing, verified")
    .addOption(new Option('--to <url>', 'postgres://USER@HOST[:PORT]/DATABASE, without a password (PGPASSWORD or ~/.pgpass); or sqlite:FILE').conflicts('toEnv'))
    .option('--to-env <var>', 'read the target URL (a password allowed) from this environment variable instead')
    .addHelpText(
      'after',
      `
The target must hold no data; its schema is created by the same migrations as every install.
The copy is one transaction on the target: if it is interrupted or its verification (row counts
and key checksums per table) fails, the target stays empty and the command can simply run again.
Stop the services first: rows written to the source after the copy began are not copied.`,
    )
    .action(action(() => import('./commands/db/copy.js')));
  sub(db, 'migrate')
    .description("bring the database's schema up to this version now (install.sh runs it on an upgrade)")
    .action(action(() => import('./commands/db/migrate.js')));

  const service = sub(program, 'service').description('run StreamGate as a systemd service (root)');
  sub(service, 'install')
    .description('write the systemd unit: a dedicated system user, the data directory its own (0700), a sandbox')
    .option('--user <name>', 'the system user the service runs as (created if missing)', 'streamgate')
    .option('--data <dir>', 'the data directory of the service', '/var/lib/streamgate')
    .option('--unit-dir <dir>', 'where the unit is written', '/etc/systemd/system')
    .action(action(() => import('./commands/service/install.js')));
  sub(service, 'uninstall')
    .description('stop and remove the unit (the data directory and the user stay)')
    .option('--unit-dir <dir>', 'where the unit is', '/etc/systemd/system')
    .action(action(() => import('./commands/service/uninstall.js')));

  // backup: begin (issue 15: backups and restore)
  sub(program, 'backup')
    .description('a consistent snapshot of the database and data/secret into a tar file (mode 0600), services running or not')
    .argument('<out.tar>', 'the archive to write (atomically)')
    .option('--with-media', 'also the HLS folders (live and recorded video)')
    .option('--force', 'replace an existing archive')
    .action(action(() => import('./commands/backup.js')));
  sub(program, 'restore')
    .description('unpack a backup into an empty or new data directory (never over an existing one)')
    .argument('<in.tar>', 'an archive from streamgate backup')
    .action(action(() => import('./commands/restore.js')));
  // backup: end

  sub(program, 'doctor')
    .description('check ffmpeg, ports, data directory, secret and database')
    .action(action(() => import('./commands/doctor.js')));

  return program;
}
