import { AppError } from '../../core/errors.js';
import { createLog } from '../../core/log.js';
import type { CommandContext } from '../context.js';

const SERVICES = ['all', 'platform', 'edge', 'ingest'] as const;

interface Running {
  name: string;
  url: string;
  stop(): Promise<void> | void;
}

/**
 * Runs the services until SIGINT/SIGTERM, then stops them cleanly. `all` runs the platform with
 * the edge's router mounted at /streams (same origin for the bundled player) and the stand-alone
 * edge on EDGE_PORT for other players and CDNs. The ingest arrives with its own issue.
 */
export async function serve(ctx: CommandContext, service: string): Promise<void> {
  if (!SERVICES.includes(service as (typeof SERVICES)[number])) {
    throw new AppError(400, 'invalid_request', `serve: unknown service "${service}" (all, platform, edge or ingest)`);
  }
  if (service === 'ingest') throw new AppError(501, 'not_yet_available', 'the ingest service is not part of this release yet');
  const running: Running[] = [];
  try {
    if (service === 'all' || service === 'platform') {
      const { startPlatform } = await import('../../server/start.js');
      const log = createLog('platform');
      if (service === 'all') {
        const { createMountedEdge } = await import('../../edge/mounted-edge.js');
        const mounted = createMountedEdge(ctx.config, createLog('edge'));
        const platform = await startPlatform(ctx.config, log, { streams: mounted.router });
        mounted.start(platform.url);
        running.push({ name: 'platform', url: `${platform.url}  (viewer portal, API, /streams)`, stop: () => platform.stop() }, { name: 'mounted edge', url: '', stop: () => mounted.stop() });
      } else {
        const platform = await startPlatform(ctx.config, log);
        running.push({ name: 'platform', url: `${platform.url}  (viewer portal and API)`, stop: () => platform.stop() });
      }
    }
    if (service === 'all' || service === 'edge') {
      const { startEdge } = await import('../../edge/start.js');
      const edge = await startEdge(ctx.config);
      running.push({ name: 'edge', url: `${edge.url}  (gated HLS, mode ${ctx.config.edgeMode})`, stop: () => edge.stop() });
    }
  } catch (error) {
    for (const r of running.reverse()) await r.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new AppError(500, 'port_unavailable', `cannot listen: ${(error as Error).message}`);
    throw error;
  }
  for (const r of running) if (r.url) process.stderr.write(`${r.name.padEnd(9)} ${r.url}\n`);
  if (service === 'all') process.stderr.write('ingest    not part of this release yet\n');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  for (const r of running.reverse()) await r.stop();
}

export async function run(ctx: CommandContext, _options: unknown, [service = 'all']: string[]): Promise<void> {
  await serve(ctx, service);
}
