import { cliActor } from '../../../core/audit-log.js';
import { invalidInput } from '../../../core/errors.js';
import { addWebhook } from '../../../core/webhooks/webhook-registry.js';
import type { CommandContext } from '../../context.js';
import { printFields, printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: { events?: string }, [url]: string[]): Promise<void> {
  if (!options.events) throw invalidInput('--events: required, e.g. --events event.live,code.redeemed');
  const { view, secret } = await addWebhook({ db: await ctx.db(), clock: ctx.clock, keyring: await ctx.keyring(), actor: cliActor() }, { url: url ?? '', events: options.events });
  if (ctx.out.json) return printJson({ ...view, secret });
  await printFields(ctx.out, [
    ['id', view.id],
    ['url', view.url],
    ['events', view.events.join(', ')],
    ['secret', secret],
  ]);
  process.stderr.write('This is the only time the secret is shown: give it to the receiver, which checks the StreamGate-Signature header with it.\n');
}
