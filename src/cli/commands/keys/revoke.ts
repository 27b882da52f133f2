import { cliActor } from '../../../core/audit-log.js';
import { revokeKey } from '../../../core/signing-keys.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

/** A leaked signing key stops verifying everywhere at once: this host's services and every edge. */
export async function run(ctx: CommandContext, options: ConfirmOptions, [kid]: string[]): Promise<void> {
  await confirmChange(options, `Revoke signing key ${kid}? Every token it signed stops playing at once; those viewers need a heartbeat or their code again.`);
  const result = await revokeKey({ config: ctx.config, db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, kid!);
  if (ctx.out.json) return printJson({ kid: result.kid, revoked: !result.alreadyRevoked, alreadyRevoked: result.alreadyRevoked });
  process.stdout.write(
    result.alreadyRevoked
      ? `signing key ${kid} was already revoked\n`
      : `signing key ${kid} revoked: every service and edge refuses its tokens within a second\n`,
  );
}
