import { uninstallService } from '../../../core/system-service/service-install.js';
import type { CommandContext } from '../../context.js';
import { printFields, printJson } from '../../output.js';

/** Root only: stops and removes the unit; the data directory and the user stay. */
export async function run(ctx: CommandContext, options: { unitDir: string }): Promise<void> {
  const result = uninstallService({ unitDir: options.unitDir });
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['unit', `${result.unitFile}${result.removed ? ': removed' : ': was not installed'}`],
    ['kept', result.kept.join('; ')],
  ]);
}
