import { cliActor } from '../../../core/audit-log.js';
import { activateKey } from '../../../core/signing-keys.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

/**
 * Rotation across hosts, step 2: the database records KID as the active key. Every platform
 * replica signs with it within seconds, each once its own data/secret holds it (a replica without
 * it keeps the key it has, and says so in its log, /healthz and `doctor`).
 */
export async function run(ctx: CommandContext, _options: unknown, [kid]: string[]): Promise<void> {
  const result = await activateKey({ config: ctx.config, db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, kid!);
  if (ctx.out.json) printJson(result);
  else process.stdout.write(`signing key ${kid} is active: every platform replica that holds it signs with it within seconds\n`);
}
