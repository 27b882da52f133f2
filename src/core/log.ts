/**
 * One log line per call on stderr: a JSON object (`time`, `level`, `service`, `message`, then the
 * fields: `requestId` for an HTTP request, `eventId` for an event) for journald and log shippers, or
 * a short readable line for a person at a terminal. Callers pass fields, never whole requests:
 * codes, tokens and keys must not reach a log, so nothing is logged that was not chosen field by field.
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogFormat = 'json' | 'pretty';

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/**
 * `STREAMGATE_LOG_FORMAT` when set (config.ts validates it), else pretty on a terminal and JSON
 * anywhere else (a pipe, a file, journald under systemd).
 */
export function logFormatFor(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stderr.isTTY)): LogFormat {
  const wanted = env.STREAMGATE_LOG_FORMAT;
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  return isTTY ? 'pretty' : 'json';
}

/**
 * A log for one service. With no `write` it goes to stderr in the format of `logFormatFor()`;
 * a caller that passes `write` (tests, a collector) gets JSON unless it asks for `format`.
 */
export function createLog(service: string, write?: (line: string) => void, format?: LogFormat): Log {
  const sink = write ?? ((line: string) => process.stderr.write(line));
  const chosen = format ?? (write ? 'json' : logFormatFor());
  const colour = chosen === 'pretty' && !write && Boolean(process.stderr.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
  const emit = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    const time = new Date();
    sink(chosen === 'json' ? `${JSON.stringify({ time: time.toISOString(), level, service, message, ...fields })}\n` : prettyLine(time, level, service, message, fields, colour));
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

type Level = 'info' | 'warn' | 'error';

const LEVEL_COLOURS: Record<Level, string> = { info: '\u001b[36m', warn: '\u001b[33m', error: '\u001b[31m' };

/** `12:34:56.789 WARN  ingest   publisher left eventId=conf graceSeconds=10`, in local time. */
export function prettyLine(time: Date, level: Level, service: string, message: string, fields: Record<string, unknown> = {}, colour = false): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const tag = level.toUpperCase().padEnd(5);
  const shown = colour ? `${LEVEL_COLOURS[level]}${tag}\u001b[0m` : tag;
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${prettyValue(value)}`);
  return `${[clock, shown, service.padEnd(8), message, ...pairs].join(' ')}\n`;
}

/** Plain words stay bare; anything with spaces, quotes or structure is shown as JSON, on one line. */
function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** The same log with `fields` on every line (a caller's own fields of the same name win). */
export function withFields(log: Log, fields: Record<string, unknown>): Log {
  return {
    info: (message, own) => log.info(message, { ...fields, ...own }),
    warn: (message, own) => log.warn(message, { ...fields, ...own }),
    error: (message, own) => log.error(message, { ...fields, ...own }),
  };
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
