import { formatLocalTime } from '../core/local-time.js';

/**
 * How a command talks to its caller: one JSON document with --json, tables and colour on a
 * terminal, plain tab-separated lines in a pipe (easy to cut, sort and grep).
 */
export interface Output {
  readonly json: boolean;
  readonly tty: boolean;
  readonly color: boolean;
}

export function makeOutput(json: boolean, env: NodeJS.ProcessEnv = process.env): Output {
  const tty = Boolean(process.stdout.isTTY);
  return { json, tty, color: tty && !json && env.NO_COLOR === undefined && env.TERM !== 'dumb' };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

// A stored time as every view hands it out (Date#toISOString).
const STORED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A cell as people read it: stored times in the local zone (TZ) with their offset, so a time
 * typed without an offset reads back as typed. Done here, once, so no command can print a bare
 * UTC time by forgetting; JSON keeps ISO UTC with its Z.
 */
export function displayText(value: string | number | null): string {
  if (value === null) return '';
  return typeof value === 'string' && STORED_TIME.test(value) ? formatLocalTime(Date.parse(value)) : String(value);
}

export async function printTable(out: Output, head: string[], rows: (string | number | null)[][]): Promise<void> {
  const cells = rows.map((row) => row.map(displayText));
  if (!out.tty) {
    process.stdout.write([head, ...cells].map((row) => row.join('\t')).join('\n') + '\n');
    return;
  }
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head, style: { head: out.color ? ['cyan'] : [], border: out.color ? ['grey'] : [] } });
  table.push(...cells);
  process.stdout.write(`${table.toString()}\n`);
}

/** `label: value` lines for one object, aligned. */
export async function printFields(out: Output, fields: [string, string | number | null][]): Promise<void> {
  const width = Math.max(...fields.map(([k]) => k.length));
  const paint = out.color ? (await import('chalk')).default.bold : (s: string) => s;
  for (const [key, value] of fields) process.stdout.write(`${paint(key.padEnd(width))}  ${value === null ? '-' : displayText(value)}\n`);
}

export async function colour(out: Output, name: 'green' | 'yellow' | 'red' | 'grey' | 'bold', text: string): Promise<string> {
  if (!out.color) return text;
  const { default: chalk } = await import('chalk');
  return chalk[name](text);
}
