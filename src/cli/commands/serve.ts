import { AppError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';

const SERVICES = ['all', 'platform', 'edge', 'ingest'] as const;

/**
 * Runs the services until SIGINT/SIGTERM, then stops them cleanly. The edge and the ingest
 * arrive with their own issues; until then `all` runs the platform and says so.
 */
export async function serve(ctx: CommandContext, service: string): Promise<void> {
  if (!SERVICES.includes(service as (typeof SERVICES)[number])) {
    throw new AppError(400, 'invalid_request', `serve: unknown service "${service}" (all, platform, edge or ingest)`);
  }
  if (service === 'edge' || service === 'ingest') {
    throw new AppError(501, 'not_yet_available', `the ${service} service is not part of this release yet`);
  }
  const { startPlatform } = await import('../../server/start.js');
  const platform = await startPlatform(ctx.config);
  process.stderr.write(`platform  ${platform.url}  (viewer portal and API)\n`);
  if (service === 'all') process.stderr.write('edge and ingest are not part of this release yet\n');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await platform.stop();
}

export async function run(ctx: CommandContext, _options: unknown, [service = 'all']: string[]): Promise<void> {
  await serve(ctx, service);
}
