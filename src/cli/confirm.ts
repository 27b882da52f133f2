import readline from 'node:readline/promises';
import { AppError } from '../core/errors.js';

/** The flag every destructive command takes to skip the question. */
export interface ConfirmOptions {
  yes?: boolean;
}

/**
 * Asks once before a destructive command changes anything, naming what will change: "Revoke 500
 * codes of event conf? [y/N]". Only an operator at a terminal is asked (stdin and stderr are
 * TTYs); scripts, cron and pipes never are, so they keep working unchanged. --yes skips it.
 * The question goes to stderr, so stdout stays the command's output (`> new-codes.csv`).
 */
export async function confirmChange(options: ConfirmOptions, question: string): Promise<void> {
  if (options.yes || !process.stdin.isTTY || !process.stderr.isTTY) return;
  const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
  let answer: string;
  try {
    answer = await prompt.question(`${question} [y/N] `);
  } finally {
    prompt.close();
  }
  if (!/^\s*y(es)?\s*$/i.test(answer)) throw new AppError(400, 'aborted', 'nothing changed (answered no; --yes skips the question)');
}
