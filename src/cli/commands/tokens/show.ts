import { lookupCode } from '../../../core/codes/code-lookup.js';
import { AppError, invalidInput, operationalFailure } from '../../../core/errors.js';
import { readCodesFromStdin } from '../../code-list-input.js';
import type { CommandContext } from '../../context.js';
import { colour, printFields, printJson, printTable } from '../../output.js';

const TINT = { active: 'green', used: 'yellow', revoked: 'red', expired: 'grey' } as const;

/**
 * One code as a viewer typed it (any case, dashes): its state and its sessions. `-` reads the code
 * from stdin, which keeps it out of the process list and the shell history. A code that does not
 * exist exits 1, as `tokens revoke` does for codes it did not find.
 */
export async function run(ctx: CommandContext, _options: unknown, [given]: string[]): Promise<void> {
  const code = given === '-' ? (await readCodesFromStdin())[0] : given;
  if (!code) throw invalidInput('stdin: no code found');
  const db = await ctx.db();
  const { pepper } = await ctx.keyring();
  const found = await lookupCode(db, pepper, ctx.clock(), code).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'code_not_found' ? operationalFailure(error.message, error.code) : error;
  });
  if (ctx.out.json) return printJson(found);
  const { code: c, sessions } = found;
  await printFields(ctx.out, [
    ['code id', c.id],
    ['event', `${c.eventId} (${found.eventTitle})`],
    ['status', await colour(ctx.out, TINT[c.status], c.status)],
    ['label', c.label],
    ['devices', `${found.devices} at once`],
    ['expires', c.expiresAt],
    ['created', c.createdAt],
    ['first used', c.firstUsedAt],
    ['last used', c.lastUsedAt],
    ['revoked', c.revokedAt],
  ]);
  process.stdout.write(sessions.length ? `\nsessions (newest first):\n` : '\nno sessions yet\n');
  if (sessions.length === 0) return;
  await printTable(ctx.out, ['session', 'state', 'device', 'browser', 'address', 'started', 'last heartbeat', 'ended'], sessions.map((s) => [
    s.id, s.active ? 'playing' : s.endedAt ? (s.endReason ?? 'ended') : 'silent', s.deviceId, s.browser, s.clientIp, s.startedAt, s.lastSeenAt, s.endedAt,
  ]));
}
