import { listKeys } from '../../../core/signing-keys.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

/** The signing keys and their state; never their material. */
export async function run(ctx: CommandContext): Promise<void> {
  const keys = listKeys(ctx.config);
  if (ctx.out.json) return printJson(keys);
  await printTable(ctx.out, ['kid', 'status', 'created', 'retired', 'verifies until', 'revoked'], keys.map((k) => [
    k.kid, k.status, k.createdAt, k.retiredAt, k.verifiesUntil, k.revokedAt,
  ]));
}
