import { AppError } from '../core/errors.js';

/**
 * A secret typed by the operator: a hidden prompt on a terminal, else the first line of stdin
 * (for scripts: `printf '%s\n' "$PW" | streamgate admin set-password`). Never a flag: argv is
 * visible to every local user.
 */
export async function readSecret(question: string, options: { confirm?: boolean } = {}): Promise<string> {
  if (process.stdin.isTTY) {
    const { default: inquirer } = await import('inquirer');
    const { first } = await inquirer.prompt<{ first: string }>([{ type: 'password', name: 'first', message: question, mask: '*' }]);
    if (options.confirm) {
      const { second } = await inquirer.prompt<{ second: string }>([{ type: 'password', name: 'second', message: 'Again, to confirm:', mask: '*' }]);
      if (first !== second) throw new AppError(400, 'invalid_request', 'the two entries differ; nothing was changed');
    }
    return first;
  }
  return readLine();
}

/** The first line of stdin (without its line end). */
export function readLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) finish(text.slice(0, end));
    };
    const finish = (line: string) => {
      process.stdin.off('data', onData);
      process.stdin.pause();
      resolve(line.replace(/\r$/, ''));
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => finish(text));
    process.stdin.once('error', reject);
  });
}
