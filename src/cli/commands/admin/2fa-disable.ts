import { cliActor } from '../../../core/audit-log.js';
import { disableTotp } from '../../../core/admin/admin-users.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: { user?: string }): Promise<void> {
  const username = options.user ?? 'admin';
  await disableTotp({ db: await ctx.db(), clock: ctx.clock, keyring: await ctx.keyring(), actor: cliActor() }, username);
  if (ctx.out.json) return printJson({ username, totp: false });
  process.stderr.write(`Two-factor login is off for ${username}.\n`);
}
