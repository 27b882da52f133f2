import { listWebhooks } from '../../../core/webhooks/webhook-registry.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

export async function run(ctx: CommandContext): Promise<void> {
  const webhooks = await listWebhooks(await ctx.db());
  if (ctx.out.json) return printJson(webhooks);
  await printTable(ctx.out, ['id', 'url', 'events', 'created'], webhooks.map((w) => [w.id, w.url, w.events.join(','), w.createdAt]));
}
