import { AppError } from '../core/errors.js';

/**
 * An answer typed by the operator, secrets included: a prompt on a terminal (hidden unless told
 * otherwise), else the first line of stdin (for scripts: `printf '%s\n' "$PW" | streamgate admin
 * set-password`). Never a flag: argv is visible to every local user.
 */
export async function readAnswer(question: string, options: { hidden?: boolean; confirm?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY) return readLine();
  const { default: inquirer } = await import('inquirer');
  const type = options.hidden === false ? 'input' : 'password';
  const { first } = await inquirer.prompt<{ first: string }>([{ type, name: 'first', message: question, mask: '*' }]);
  if (options.confirm) {
    const { second } = await inquirer.prompt<{ second: string }>([{ type, name: 'second', message: 'Again, to confirm:', mask: '*' }]);
    if (first !== second) throw new AppError(400, 'invalid_request', 'the two entries differ; nothing was changed');
  }
  return first;
}

/** The first line of stdin (without its line end). */
function readLine(): Promise<string> {
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
