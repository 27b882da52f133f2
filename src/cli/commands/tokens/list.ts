import { listCodes } from '../../../core/codes/code-listing.js';
import type { CodeStatus } from '../../../core/codes/code-status.js';
import { getEvent } from '../../../core/events/event-service.js';
import { invalidInput } from '../../../core/errors.js';
import type { CommandContext } from '../../context.js';
import { colour, printJson, printTable } from '../../output.js';

const TINT = { active: 'green', used: 'yellow', revoked: 'red', expired: 'grey' } as const;

function count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw invalidInput(`${flag}: must be a whole number of at least ${min} (got "${value}")`);
  return Number(value);
}

export async function run(ctx: CommandContext, options: Record<string, string | undefined>): Promise<void> {
  const limit = count(options.limit, '--limit', 1);
  const offset = count(options.offset, '--offset', 0);
  const db = await ctx.db();
  await getEvent(db, options.event!);
  const codes = await listCodes(db, ctx.clock(), {
    eventId: options.event!,
    status: options.status as CodeStatus | undefined,
    label: options.label,
    limit,
    offset,
  });
  if (ctx.out.json) return printJson(codes);
  const rows = await Promise.all(
    codes.map(async (c) => [c.id, await colour(ctx.out, TINT[c.status], c.status), c.label, c.expiresAt, c.firstUsedAt, c.lastUsedAt, c.revokedAt]),
  );
  await printTable(ctx.out, ['id', 'status', 'label', 'expires', 'first used', 'last used', 'revoked'], rows);
}
