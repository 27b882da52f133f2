import { cliActor } from '../../../core/audit-log.js';
import { createApiKey } from '../../../core/admin/api-keys.js';
import type { CommandContext } from '../../context.js';
import { printFields, printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: { name?: string; scope?: string; event?: string; allowIp?: string[] }): Promise<void> {
  const { view, key } = await createApiKey(
    { db: await ctx.db(), clock: ctx.clock, actor: cliActor() },
    { name: options.name ?? '', scope: (options.scope ?? 'global') as 'global' | 'event', eventId: options.event ?? null, allowIps: options.allowIp ?? [] },
  );
  if (ctx.out.json) return printJson({ id: view.id, key });
  await printFields(ctx.out, [
    ['id', view.id],
    ['name', view.name],
    ['scope', view.scope === 'event' ? `event ${view.eventId}` : 'global'],
    ['allowed from', view.allowIps.length ? view.allowIps.join(', ') : 'anywhere'],
    ['key', key],
  ]);
  process.stderr.write('This is the only time the key is shown: store it now (Authorization: Bearer <key>).\n');
}
