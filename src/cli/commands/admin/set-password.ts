import { cliActor } from '../../../core/audit-log.js';
import { MIN_PASSWORD_LENGTH } from '../../../core/admin/admin-credentials.js';
import { setAdminPassword } from '../../../core/admin/admin-users.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';
import { readAnswer } from '../../secret-input.js';

export async function run(ctx: CommandContext, options: { user?: string }): Promise<void> {
  const username = options.user ?? 'admin';
  const password = await readAnswer(`New console password for ${username} (${MIN_PASSWORD_LENGTH}+ characters):`, { confirm: true });
  await setAdminPassword({ db: await ctx.db(), clock: ctx.clock, keyring: await ctx.keyring(), actor: cliActor() }, username, password);
  if (ctx.out.json) return printJson({ username });
  process.stderr.write(`Password set for ${username}; log in at ${ctx.config.platformUrl}/admin\n`);
}
