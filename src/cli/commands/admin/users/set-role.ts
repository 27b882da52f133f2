import { cliActor } from '../../../../core/audit-log.js';
import { setAdminRole } from '../../../../core/admin/admin-accounts.js';
import { checkRole } from '../../../../core/admin/admin-roles.js';
import type { CommandContext } from '../../../context.js';
import { printJson } from '../../../output.js';
import { describeAccess } from './describe-access.js';

/** A new role (and event limit: none given means every event); the user's sessions end. */
export async function run(ctx: CommandContext, options: { event?: string[] }, [username, role]: string[]): Promise<void> {
  const user = await setAdminRole({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, username!, checkRole(role!, 'ROLE'), options.event);
  if (ctx.out.json) return printJson(user);
  process.stderr.write(`${user.username} is now ${describeAccess(user)}; their open console sessions ended.\n`);
}
