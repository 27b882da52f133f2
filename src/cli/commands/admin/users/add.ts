import { cliActor } from '../../../../core/audit-log.js';
import { addAdminUser } from '../../../../core/admin/admin-accounts.js';
import { MIN_PASSWORD_LENGTH } from '../../../../core/admin/admin-credentials.js';
import { checkRole } from '../../../../core/admin/admin-roles.js';
import type { CommandContext } from '../../../context.js';
import { printJson } from '../../../output.js';
import { readAnswer } from '../../../secret-input.js';
import { describeAccess } from './describe-access.js';

/** A console user with a role and a password (prompted, or the first line of stdin). */
export async function run(ctx: CommandContext, options: { role: string; event?: string[] }, [username]: string[]): Promise<void> {
  const role = checkRole(options.role);
  const db = await ctx.db();
  const password = await readAnswer(`Console password for ${username} (${MIN_PASSWORD_LENGTH}+ characters):`, { confirm: true });
  const user = await addAdminUser({ db, clock: ctx.clock, actor: cliActor() }, { username: username!, role, events: options.event }, password);
  if (ctx.out.json) return printJson(user);
  process.stderr.write(`Console user ${user.username} added as ${describeAccess(user)}; log in at ${ctx.config.platformUrl}/admin\n`);
}
