import { cliActor } from '../../../core/audit-log.js';
import { revokeCodes } from '../../../core/codes/code-revocation.js';
import { getEvent } from '../../../core/events/event-service.js';
import { invalidInput } from '../../../core/errors.js';
import { countCodes } from '../../../core/codes/code-listing.js';
import { confirmChange } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { readCodeFile, readCodesFromStdin } from '../../code-list-input.js';
import { printJson } from '../../output.js';

/** Exit 1 when some codes were not found (SPEC §2): the caller's list and ours disagree. */
export async function run(ctx: CommandContext, options: { event?: string; label?: string; file?: string; reason?: string; yes?: boolean }, args: string[]): Promise<number> {
  const fromStdin = args.includes('-');
  if (fromStdin && args.length > 1) throw invalidInput('give codes as arguments or "-" for stdin, not both');
  const codes = fromStdin ? await readCodesFromStdin() : [...args];
  if (options.file) codes.push(...readCodeFile(options.file));
  if ((fromStdin || options.file) && codes.length === 0 && !options.event && !options.label) {
    throw invalidInput(`${options.file ? '--file' : 'stdin'}: no codes found`);
  }
  const db = await ctx.db();
  if (options.event) await getEvent(db, options.event);
  if (codes.length === 0) {
    // Selected by --event/--label, not named one by one: say how many before they all stop working.
    const count = await countCodes(db, ctx.clock(), { eventId: options.event, label: options.label, statuses: ['active', 'used', 'expired'] });
    const which = [options.event ? `of event ${options.event}` : '', options.label ? `labelled "${options.label}"` : ''].filter(Boolean).join(' ');
    if (count > 0) await confirmChange(options, `Revoke ${count} codes ${which}? Viewers using them are stopped.`);
  }
  const { pepper } = await ctx.keyring();
  const result = await revokeCodes(
    { db, clock: ctx.clock, pepper, actor: cliActor() },
    { codes, eventId: options.event, label: options.label },
    options.reason ?? null,
  );
  if (ctx.out.json) printJson(result);
  else process.stdout.write(`revoked ${result.revoked}, already revoked ${result.alreadyRevoked}, not found ${result.notFound.length}\n`);
  // An exit 1 always says why on stderr, with --json too (the document on stdout lists them).
  for (const code of result.notFound) process.stderr.write(`streamgate: not found: ${code}\n`);
  return result.notFound.length > 0 ? 1 : 0;
}
