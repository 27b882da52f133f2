import { cliActor } from '../../../core/audit-log.js';
import { issueCodes } from '../../../core/codes/code-issue.js';
import type { CommandContext } from '../../context.js';
import { openCodeDestination } from '../../code-output.js';
import { ProgressBar } from '../../progress-bar.js';
import { countFlag, durationFlag, timeFlag } from '../../flags.js';
import { displayText, printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: Record<string, string | undefined>): Promise<void> {
  const count = countFlag(options.count);
  const expiresAt = timeFlag(options.expiresAt, '--expires-at');
  const expiresInMs = durationFlag(options.expiresIn, '--expires-in');
  const devices = options.devices === undefined ? undefined : countFlag(options.devices, '--devices');
  const db = await ctx.db();
  const { pepper } = await ctx.keyring();
  const destination = openCodeDestination(ctx.out, options.out, { force: Boolean(options.force) });
  const progress = new ProgressBar();
  try {
    const result = await issueCodes(
      { db, clock: ctx.clock, pepper, actor: cliActor() },
      { eventId: options.event!, count, expiresAt, expiresInMs, label: options.label, devices, onProgress: progress.update },
      destination.sink,
    );
    progress.stop();
    destination.finish();
    if (options.out) {
      if (ctx.out.json) printJson({ ...result, out: options.out });
      else process.stderr.write(`${result.count} codes for ${result.eventId} written to ${options.out} (expire ${displayText(result.expiresAt)})\n`);
    }
  } catch (error) {
    progress.stop();
    destination.abort();
    throw error;
  }
}
