import { spawn } from 'node:child_process';
import type { Appliance } from './appliance.js';
import { waitFor } from './appliance.js';
import { BIN, json, runCli } from './cli.js';
import { testDatabaseEnv } from './test-database.js';

/** An admin API caller for an appliance: a global API key made with the CLI. */
export async function adminApi(app: Appliance) {
  const created = json(await runCli(['apikeys', 'create', '--name', 'test', '--json'], { dataDir: app.dataDir }));
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.platformUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${created.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json().catch(() => null)) as any };
  };
  return { key: created.key as string, call, health: async (eventId: string) => (await call('GET', `/api/admin/events/${eventId}/health`)).json };
}

/** Waits until the ingest has reported the figures a test looks at (it writes every 5 s). */
export function healthWith(api: Awaited<ReturnType<typeof adminApi>>, eventId: string, ready: (health: any) => boolean, timeoutMs = 40_000) {
  return waitFor(`health of ${eventId}`, async () => {
    const health = await api.health(eventId);
    return ready(health) ? health : undefined;
  }, timeoutMs);
}

/**
 * `streamgate events status ID --watch --json` until it has printed `lines` JSON lines, then
 * Ctrl-C: resolves with the documents and the exit code.
 */
export async function watchStatus(dataDir: string, eventId: string, lines: number): Promise<{ documents: any[]; code: number | null }> {
  const env = { ...process.env, STREAMGATE_DATA_DIR: dataDir, NO_COLOR: '1', ...(await testDatabaseEnv(dataDir)) };
  const child = spawn(process.execPath, [BIN, 'events', 'status', eventId, '--watch', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.split('\n').filter(Boolean).length >= lines) resolve();
    });
    void closed.then(() => resolve());
  });
  child.kill('SIGINT');
  const code = await closed;
  clearTimeout(killer);
  return { documents: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)), code };
}
