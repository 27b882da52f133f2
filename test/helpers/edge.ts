import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from '../../src/core/config.js';
import { createLog } from '../../src/core/log.js';
import { revocationRetentionMs } from '../../src/core/revocation-retention.js';
import { loadSigningKeyring } from '../../src/core/secret-store.js';
import { createEdgeApp } from '../../src/edge/app.js';
import { createNativePlayers, type NativePlayers } from '../../src/edge/native-players.js';
import { RevocationList } from '../../src/edge/revocation-list.js';
import { RevocationSync } from '../../src/edge/revocation-sync.js';
import type { TestPlatform } from './platform.js';

/** A short VOD made by the real ffmpeg: 3 segments of 2 s, H.264 + AAC, in hls/<eventId>/. */
export function makeVodFixture(dataDir: string, eventId = 'conf'): string {
  const dir = path.join(dataDir, 'hls', eventId);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '6', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
    '-hls_segment_filename', path.join(dir, 'seg_%03d.ts'),
    path.join(dir, 'index.m3u8'),
  ]);
  return dir;
}

export interface TestEdge {
  url: string;
  sync: RevocationSync;
  revocations: RevocationList;
  native: NativePlayers;
  logLines: string[];
}

/** A real edge on an ephemeral port, syncing revocations from `platform` over HTTP. */
export async function startTestEdge(
  t: { after(fn: () => unknown): void },
  platform: TestPlatform,
  overrides: Partial<Config> = {},
  options: { reportIntervalMs?: number; clock?: () => number } = {},
): Promise<TestEdge> {
  const clock = options.clock ?? Date.now;
  const config: Config = { ...platform.config, ...overrides };
  const logLines: string[] = [];
  const log = createLog('edge', (line) => logLines.push(line));
  const keyring = loadSigningKeyring(platform.config);
  const revocations = new RevocationList(revocationRetentionMs(platform.config));
  const sync = new RevocationSync({ platformUrl: platform.url, signingKey: () => keyring.current, list: revocations, clock, log });
  const native = createNativePlayers({ config, keyring, revocations, platformUrl: () => platform.url, clock, log, reportIntervalMs: options.reportIntervalMs });
  const app = createEdgeApp({ config, keyring, revocations, clock, log, syncLagMs: () => sync.lagMs(), native });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sync.start();
  native.reporter.start();
  t.after(async () => {
    sync.stop();
    native.reporter.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sync, revocations, native, logLines };
}

/** A GET with the path sent exactly as given (fetch would normalise `..` away). */
export function rawGet(baseUrl: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: rawPath, headers, method: 'GET' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}
