import { writeTransaction } from '../../../core/db/database.js';
import { rotateSigningKey } from '../../../core/secret-store.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

/**
 * A new current signing key in data/secret. Old keys stay in the keyring, so tokens they signed
 * keep verifying until they expire (minutes). Running services on this host notice the file
 * change within a second; the platform signs with the new key a few seconds later (LiveKeyring).
 */
export async function run(ctx: CommandContext): Promise<void> {
  const db = await ctx.db();
  const now = ctx.clock();
  const kid = rotateSigningKey(ctx.config, new Date(now));
  await writeTransaction(db, async (trx) => {
    await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
    await trx.insertInto('signing_keys').values({ kid, created_at: now, retired_at: null }).execute();
  });
  if (ctx.out.json) printJson({ kid });
  else process.stdout.write(`new signing key ${kid}; running services sign with it within seconds\n`);
}
