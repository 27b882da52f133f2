import { cliActor } from '../../../../core/audit-log.js';
import { createInvite, inviteUrl } from '../../../../core/admin/admin-invites.js';
import { checkRole } from '../../../../core/admin/admin-roles.js';
import type { CommandContext } from '../../../context.js';
import { printJson } from '../../../output.js';
import { describeAccess } from './describe-access.js';

/**
 * A one-time link (valid 24 h) where the new user sets a password and enrols 2FA. The link is
 * printed this once: only a hash of its token is stored.
 */
export async function run(ctx: CommandContext, options: { role: string; event?: string[] }, [username]: string[]): Promise<void> {
  const role = checkRole(options.role);
  const { token, ...invite } = await createInvite({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, { username: username!, role, events: options.event });
  const url = inviteUrl(ctx.config.platformUrl, token);
  if (ctx.out.json) return printJson({ ...invite, url });
  process.stdout.write(`${url}\n`);
  process.stderr.write(`Invite for ${invite.username} as ${describeAccess(invite)}, valid until ${invite.expiresAt}. Send the link privately: it works once and is not shown again.\n`);
}
