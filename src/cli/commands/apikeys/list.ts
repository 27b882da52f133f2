import { listApiKeys } from '../../../core/admin/api-keys.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

export async function run(ctx: CommandContext): Promise<void> {
  const keys = await listApiKeys(await ctx.db());
  if (ctx.out.json) return printJson(keys);
  await printTable(ctx.out, ['id', 'name', 'scope', 'allowed from', 'created', 'last used', 'revoked'], keys.map((k) => [
    k.id, k.name, k.scope === 'event' ? `event ${k.eventId}` : 'global', k.allowIps.join(', ') || 'anywhere', k.createdAt, k.lastUsedAt, k.revokedAt,
  ]));
}
