import { listAdminUsers } from '../../../../core/admin/admin-accounts.js';
import type { CommandContext } from '../../../context.js';
import { printJson, printTable } from '../../../output.js';

export async function run(ctx: CommandContext): Promise<void> {
  const users = await listAdminUsers(await ctx.db());
  if (ctx.out.json) return printJson(users);
  await printTable(ctx.out, ['user', 'role', 'events', '2fa', 'created', 'updated'], users.map((u) => [
    u.username, u.role, u.events === null ? 'all' : u.events.join(', '), u.totp ? 'on' : 'off', u.createdAt, u.updatedAt,
  ]));
}
