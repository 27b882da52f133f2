import { installService } from '../../../core/system-service/service-install.js';
import type { CommandContext } from '../../context.js';
import { printFields, printJson } from '../../output.js';

interface InstallOptions {
  user: string;
  data: string;
  unitDir: string;
}

/** Root only: the systemd unit, its user and data directory; prints what to run next. */
export async function run(ctx: CommandContext, options: InstallOptions): Promise<void> {
  const result = installService({ user: options.user, dataDir: options.data, unitDir: options.unitDir });
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['unit', result.unitFile],
    ['user', `${result.user}${result.userCreated ? ' (created, a system user without login)' : ''}`],
    ['data directory', `${result.dataDir} (owned by ${result.user}, mode 0700)`],
  ]);
  process.stdout.write(`\nNext:\n${result.nextSteps.map((step) => `  ${step}`).join('\n')}\n`);
}
