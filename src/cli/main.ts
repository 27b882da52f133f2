import { CommanderError } from 'commander';
import { toDatabaseError } from '../core/database-errors.js';
import { AppError } from '../core/errors.js';
import { buildProgram } from './cli.js';
import { endQuietlyWhenOutputCloses } from './closed-output.js';

/**
 * The only place that turns errors into exit codes and exits (SPEC §2): 0 success, 1
 * operational failure, 2 usage or validation error, 141 when the reader closed stdout early (see
 * closed-output.ts). One line on stderr; a stack only with DEBUG.
 */
export async function main(argv: string[]): Promise<void> {
  endQuietlyWhenOutputCloses();
  const program = buildProgram();
  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error, wantsJson);
  }
}

function report(thrown: unknown, json: boolean): number {
  const error = toDatabaseError(thrown);
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return 0; // --help, --version
    if (error.code === 'commander.help') return 2; // a group without its subcommand: help already shown
    const message = `${error.message.replace(/^error: /, '')} (see --help)`;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'usage', message } })}\n`);
    process.stderr.write(`streamgate: ${message}\n`);
    return 2;
  }
  if (error instanceof AppError) {
    if (json) process.stdout.write(`${JSON.stringify(error.toJSON())}\n`);
    process.stderr.write(`streamgate: ${error.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${error.stack}\n`);
    return error.status < 500 ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'internal', message } })}\n`);
  process.stderr.write(`streamgate: ${message}${process.env.DEBUG ? '' : ' (set DEBUG=1 for details)'}\n`);
  if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}
