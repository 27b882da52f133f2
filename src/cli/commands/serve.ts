import fs from 'node:fs';
import type { Config } from '../../core/config.js';
import { octal, tightenModes } from '../../core/data-dir-modes.js';
import { AppError } from '../../core/errors.js';
import { createLog } from '../../core/log.js';
import { checkDataDir, checkFfmpeg, checkPort, checkSecret, type Check } from '../checks.js';
import { checkTlsCertificate } from '../check-tls.js';
import type { CommandContext } from '../context.js';

const SERVICES = ['all', 'platform', 'edge', 'ingest'] as const;

interface Running {
  name: string;
  url: string;
  stop(): Promise<void> | void;
}

export interface Served {
  /** The ingest's RTMP URL, when it runs. */
  rtmpUrl: string | null;
  /** Resolves once a signal has stopped every service. */
  done: Promise<void>;
}

/** What must hold before anything listens; each failure is one line on stderr. */
async function startupChecks(config: Config, service: string): Promise<void> {
  const all = service === 'all';
  const remoteEdge = service === 'edge' && config.playbackSigningSecret !== null;
  // Tightened rather than refused: an install from before 0700 was the rule must still start.
  if (!remoteEdge && fs.existsSync(config.dataDir)) {
    for (const p of tightenModes(config)) {
      process.stderr.write(`streamgate: warning: ${p.path} was mode ${octal(p.mode)}, readable by other users; now ${octal(p.wanted)}\n`);
    }
  }
  const checks: Check[] = remoteEdge ? [] : [checkDataDir(config), checkSecret(config)];
  if (all || service === 'ingest') checks.push(await checkFfmpeg(config));
  if (all || service === 'platform' || service === 'edge' || (service === 'ingest' && config.rtmpsPort !== null)) checks.push(...checkTlsCertificate(config));
  if ((all || service === 'ingest') && config.rtmpsPort !== null) checks.push(await checkPort('rtmps port', config.host, config.rtmpsPort, 'fail'));
  if ((all || service === 'platform') && config.httpRedirectPort !== null) checks.push(await checkPort('http redirect port', config.host, config.httpRedirectPort, 'fail'));
  if (all || service === 'platform') checks.push(await checkPort('platform port', config.host, config.platformPort, 'fail'));
  if (all || service === 'edge') checks.push(await checkPort('edge port', config.host, config.edgePort, 'fail'));
  if (all || service === 'ingest') checks.push(await checkPort('rtmp port', config.host, config.rtmpPort, 'fail'));
  const failed = checks.filter((c) => c.status === 'fail');
  for (const c of failed) process.stderr.write(`streamgate: ${c.name}: ${c.detail}\n`);
  if (failed.length > 0) throw new AppError(500, 'startup_check_failed', `not starting: ${failed.length} start-up check(s) failed (see above)`);
}

/**
 * Starts the services in this process and runs them until SIGINT/SIGTERM, then stops them cleanly.
 * `all` runs the platform with the edge's router mounted at /streams (same origin for the bundled
 * player), the stand-alone edge on EDGE_PORT for other players and CDNs, and the RTMP ingest.
 */
export async function startServices(ctx: CommandContext, service: string): Promise<Served> {
  if (!SERVICES.includes(service as (typeof SERVICES)[number])) {
    throw new AppError(400, 'invalid_request', `serve: unknown service "${service}" (all, platform, edge or ingest)`);
  }
  await startupChecks(ctx.config, service);
  const running: Running[] = [];
  let rtmpUrl: string | null = null;
  try {
    if (service === 'all' || service === 'platform') {
      const { startPlatform } = await import('../../server/start.js');
      const log = createLog('platform');
      if (service === 'all') {
        const { createMountedEdge } = await import('../../edge/mounted-edge.js');
        const mounted = createMountedEdge(ctx.config, createLog('edge'));
        const platform = await startPlatform(ctx.config, log, { streams: mounted.router });
        mounted.start(platform.internalUrl);
        running.push({ name: 'platform', url: `${platform.url}  (viewer portal, /admin console, API, /streams)`, stop: () => platform.stop() }, { name: 'mounted edge', url: '', stop: () => mounted.stop() });
        if (platform.redirectUrl) running.push({ name: 'redirect', url: `${platform.redirectUrl}  (308 to https)`, stop: () => undefined });
      } else {
        const platform = await startPlatform(ctx.config, log);
        running.push({ name: 'platform', url: `${platform.url}  (viewer portal, /admin console and API)`, stop: () => platform.stop() });
        if (platform.redirectUrl) running.push({ name: 'redirect', url: `${platform.redirectUrl}  (308 to https)`, stop: () => undefined });
      }
    }
    if (service === 'all' || service === 'edge') {
      const { startEdge } = await import('../../edge/start.js');
      const edge = await startEdge(ctx.config);
      running.push({ name: 'edge', url: `${edge.url}  (gated HLS, mode ${ctx.config.edgeMode})`, stop: () => edge.stop() });
    }
    if (service === 'all' || service === 'ingest') {
      const { startIngest } = await import('../../ingest/start.js');
      const ingest = await startIngest(ctx.config);
      rtmpUrl = ingest.url;
      running.push({ name: 'ingest', url: `${ingest.url}  (RTMP; stream key = the event's key)`, stop: () => ingest.stop() });
      if (ingest.rtmpsUrl) running.push({ name: 'rtmps', url: `${ingest.rtmpsUrl}  (RTMP over TLS, same keys)`, stop: () => undefined });
    }
  } catch (error) {
    for (const r of running.reverse()) await r.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new AppError(500, 'port_unavailable', `cannot listen: ${(error as Error).message}`);
    throw error;
  }
  for (const r of running) if (r.url) process.stderr.write(`${r.name.padEnd(9)} ${r.url}\n`);
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }).then(async () => {
    for (const r of running.reverse()) await r.stop();
  });
  return { rtmpUrl, done };
}

export async function run(ctx: CommandContext, _options: unknown, [service = 'all']: string[]): Promise<void> {
  await (await startServices(ctx, service)).done;
}
