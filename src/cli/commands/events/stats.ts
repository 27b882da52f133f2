import { viewerSeriesCsv, viewerStats, type ViewerPoint, type Resolution } from '../../../core/analytics/viewer-stats.js';
import { invalidInput } from '../../../core/errors.js';
import { getEvent } from '../../../core/events/event-service.js';
import type { CommandContext } from '../../context.js';
import { timeFlag } from '../../flags.js';
import { printFields, printJson } from '../../output.js';

const BARS = '▁▂▃▄▅▆▇█';
const SPARK_WIDTH = 60;

/** `events stats ID [--json|--csv] [--from T] [--to T] [--resolution minute|hour]`. */
export async function run(ctx: CommandContext, options: Record<string, string | boolean | undefined>, [id]: string[]): Promise<void> {
  if (options.csv && ctx.out.json) throw invalidInput('--csv and --json: choose one');
  const db = await ctx.db();
  const event = await getEvent(db, id!);
  const stats = await viewerStats(db, ctx.clock(), event, {
    from: timeFlag(options.from, '--from'),
    to: timeFlag(options.to, '--to'),
    resolution: options.resolution as Resolution | undefined,
  });
  if (ctx.out.json) return printJson(stats);
  if (options.csv) return void process.stdout.write(viewerSeriesCsv(stats));
  const peak = stats.peakAt ? `${stats.peakViewers} (${stats.peakAt})` : String(stats.peakViewers);
  await printFields(ctx.out, [
    ['event', stats.eventId],
    ['watching now', stats.viewersNow],
    ['peak viewers', peak],
    ['unique codes used', stats.uniqueCodes],
    ['sessions', stats.sessions.total],
    ['watch time', `${formatHours(stats.sessions.watchSeconds)} (average ${formatMinutes(stats.sessions.averageWatchSeconds)} a session)`],
    ['bytes delivered', stats.bytesDelivered === null ? 'not reported by any edge' : formatBytes(stats.bytesDelivered)],
    [`viewers per ${stats.series.resolution}`, stats.series.points.length ? sparkline(stats.series.points) : 'no samples in this range'],
  ]);
}

/** The series squeezed into one line of block characters, each the peak of its slice. */
function sparkline(points: ViewerPoint[]): string {
  const slices = Math.min(SPARK_WIDTH, points.length);
  const peaks = Array.from({ length: slices }, (_, i) => {
    const part = points.slice(Math.floor((i * points.length) / slices), Math.floor(((i + 1) * points.length) / slices));
    return Math.max(0, ...part.map((p) => p.viewers));
  });
  const top = Math.max(1, ...peaks);
  return `${peaks.map((v) => BARS[Math.round((v / top) * (BARS.length - 1))]).join('')} (max ${top})`;
}

function formatHours(seconds: number): string {
  return `${(seconds / 3600).toFixed(1)} h`;
}

function formatMinutes(seconds: number): string {
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
