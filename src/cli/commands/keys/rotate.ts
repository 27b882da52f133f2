import { cliActor } from '../../../core/audit-log.js';
import { rotateKeys } from '../../../core/signing-keys.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

/**
 * A new current signing key in data/secret. The old key is retired: tokens it signed keep
 * verifying until they expire (minutes), then it verifies nothing. Running services on this host
 * notice the file change within a second; the platform signs with the new key a few seconds later.
 */
export async function run(ctx: CommandContext): Promise<void> {
  const { kid, retired } = await rotateKeys({ config: ctx.config, db: await ctx.db(), clock: ctx.clock, actor: cliActor() });
  if (ctx.out.json) printJson({ kid, retired });
  else process.stdout.write(`new signing key ${kid}; running services sign with it within seconds\n`);
}
