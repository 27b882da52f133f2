import { cliActor } from '../../../core/audit-log.js';
import { addKey } from '../../../core/signing-keys.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

/**
 * Rotation across hosts, step 1: a new key in data/secret that verifies but signs nothing. Once
 * data/secret is copied to every host (platforms and edges), `keys activate KID` makes it sign.
 */
export async function run(ctx: CommandContext): Promise<void> {
  const { kid } = await addKey({ config: ctx.config, db: await ctx.db(), clock: ctx.clock, actor: cliActor() });
  if (ctx.out.json) printJson({ kid });
  else process.stdout.write(`new signing key ${kid}, not signing yet: copy ${ctx.config.dataDir}/secret to every host, then run "streamgate keys activate ${kid}"\n`);
}
