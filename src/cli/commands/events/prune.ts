import path from 'node:path';
import { cliActor } from '../../../core/audit-log.js';
import { parseDuration, toIso } from '../../../core/duration.js';
import { findPrunableEvents, pruneEvent, type PruneCandidate } from '../../../core/events/event-prune.js';
import { formatLocalTime, parseTime } from '../../../core/local-time.js';
import { confirmChange } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

interface PruneOptions {
  endedBefore: string;
  yes?: boolean;
}

/** `--ended-before`: a time (ISO 8601, local without an offset) or a duration ago ("90d"). */
function cutOff(value: string, nowMs: number): number {
  if (/^\s*\d+\s*[smhd]\s*$/i.test(value)) return nowMs - parseDuration(value.trim(), '--ended-before');
  return parseTime(value, '--ended-before');
}

/**
 * Without --yes this is a dry run: it lists what would go. An operator at a terminal is then
 * asked once; scripts and cron must say --yes, so a forgotten flag deletes nothing.
 */
export async function run(ctx: CommandContext, options: PruneOptions): Promise<void> {
  const db = await ctx.db();
  const now = ctx.clock();
  const endedBefore = cutOff(options.endedBefore, now);
  const hlsRoot = path.join(ctx.config.dataDir, 'hls');
  const candidates = await findPrunableEvents(db, now, endedBefore, hlsRoot);
  const atTerminal = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !ctx.out.json;
  let execute = Boolean(options.yes);
  if (!execute && atTerminal && candidates.length > 0) {
    await printCandidates(ctx, candidates);
    const working = candidates.reduce((sum, c) => sum + c.workingCodes, 0);
    await confirmChange({}, `Delete ${candidates.length} event(s) with their recordings, codes and statistics?${working ? ` ${working} codes that still work for rewatching stop working.` : ''}`);
    execute = true;
  }
  const pruned: string[] = [];
  if (execute) {
    for (const candidate of candidates) {
      if (await pruneEvent({ db, clock: ctx.clock, actor: cliActor() }, candidate.id, endedBefore, hlsRoot)) pruned.push(candidate.id);
    }
  }
  if (ctx.out.json) {
    return printJson({ endedBefore: toIso(endedBefore), dryRun: !execute, events: candidates.map((c) => ({ ...c, pruned: pruned.includes(c.id) })) });
  }
  if (candidates.length === 0) {
    process.stdout.write(`No event ended before ${formatLocalTime(endedBefore)}: nothing to prune.\n`);
    return;
  }
  if (!execute) {
    await printCandidates(ctx, candidates);
    process.stdout.write(`\nDry run: nothing was deleted. Run again with --yes to delete these ${candidates.length} event(s).\n`);
    return;
  }
  const freed = candidates.filter((c) => pruned.includes(c.id)).reduce((sum, c) => sum + c.mediaBytes, 0);
  process.stdout.write(`Pruned ${pruned.length} event(s) (${pruned.join(', ')}); ${(freed / 1e6).toFixed(1)} MB of recordings freed.\n`);
}

async function printCandidates(ctx: CommandContext, candidates: PruneCandidate[]): Promise<void> {
  await printTable(
    ctx.out,
    ['event', 'status', 'ended', 'codes', 'still working', 'recording'],
    candidates.map((c) => [c.id, c.status, formatLocalTime(Date.parse(c.endedAt)), c.codes, c.workingCodes, `${c.mediaFiles} files, ${(c.mediaBytes / 1e6).toFixed(1)} MB`]),
  );
}
