import { cliActor } from '../../../core/audit-log.js';
import { rotateCodes } from '../../../core/codes/code-issue.js';
import { countCodes } from '../../../core/codes/code-listing.js';
import { confirmChange } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { openCodeDestination } from '../../code-output.js';
import { ProgressBar } from '../../progress-bar.js';
import { durationFlag, timeFlag } from '../../flags.js';
import { printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: Record<string, string | boolean | undefined>): Promise<void> {
  const expiresAt = timeFlag(options.expiresAt, '--expires-at');
  const expiresInMs = durationFlag(options.expiresIn, '--expires-in');
  const out = options.out as string | undefined;
  const db = await ctx.db();
  const selected = await countCodes(db, ctx.clock(), {
    eventId: options.event as string, label: options.label as string | undefined, statuses: options.unused ? ['active'] : ['active', 'used'],
  });
  if (selected > 0) {
    await confirmChange(options, `Revoke ${selected} codes of event ${options.event as string} and issue ${selected} new ones? Viewers using the old codes are stopped.`);
  }
  const { pepper } = await ctx.keyring();
  const destination = openCodeDestination(ctx.out, out, { force: Boolean(options.force) });
  const progress = new ProgressBar();
  try {
    const result = await rotateCodes(
      { db, clock: ctx.clock, pepper, actor: cliActor() },
      {
        eventId: options.event as string,
        label: options.label as string | undefined,
        unusedOnly: Boolean(options.unused),
        expiresAt,
        expiresInMs,
        onProgress: progress.update,
      },
      destination.sink,
    );
    progress.stop();
    destination.finish();
    if (out) {
      if (ctx.out.json) printJson({ ...result, out });
      else process.stderr.write(`${result.revoked} codes revoked, ${result.count} new codes for ${result.eventId} written to ${out}\n`);
    } else if (!ctx.out.json) {
      process.stderr.write(`${result.revoked} codes revoked, ${result.count} new codes issued\n`);
    }
  } catch (error) {
    progress.stop();
    destination.abort();
    throw error;
  }
}
