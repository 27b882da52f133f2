// What webhooks cost code validations, in one run through one real platform process: validations
// that each open a session (fresh codes in every phase) with no webhook, with a webhook for
// another event type (nothing may be written), and with one receiving session.started and
// code.redeemed (two outbox rows per validation, sent meanwhile to a local receiver). The phases
// take turns for three rounds; each figure is the median of its three runs.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/core/config.js';
import { openDatabase, writeTransaction } from '../src/core/db/database.js';
import { raiseWebhookEvents } from '../src/core/webhooks/webhook-outbox.js';
import { cli, freshDataDir, median, row, startPlatform, validationLoad } from './lib.js';

const DURATION_S = 5;
const CONNECTIONS = 50;
const CODES_PER_PHASE = 15_000;
const ROUNDS = 3;

export async function benchWebhooks(): Promise<void> {
  console.log('\n## webhooks: POST /api/tokens/validate with and without subscribers (bench/webhooks)');
  const dataDir = freshDataDir();
  let received = 0;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const server = await startPlatform(dataDir);
  const { url } = server;
  const freshCodes = () =>
    cli(['tokens', 'create', '--event', 'bench', '--count', String(CODES_PER_PHASE)], dataDir)
      .stdout.trim()
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split(',')[0]!);
  const addHook = (events: string) => (JSON.parse(cli(['webhooks', 'add', receiverUrl, '--events', events, '--json'], dataDir).stdout) as { id: string }).id;
  const removeHook = (id: string) => cli(['webhooks', 'remove', id, '--yes'], dataDir);
  const outboxRows = () => JSON.parse(cli(['webhooks', 'deliveries', '--limit', '1000', '--json'], dataDir).stdout).length as number;
  try {
    const phases: [string, () => (() => void) | undefined][] = [
      ['no webhook', () => undefined],
      ['a webhook for event.live only (writes nothing)', () => {
        const id = addHook('event.live');
        return () => removeHook(id);
      }],
      ['a webhook for session.started,code.redeemed (2 rows each)', () => {
        const id = addHook('session.started,code.redeemed');
        return () => removeHook(id);
      }],
    ];
    // Interleaved rounds, medians per phase: a machine shared with other work drifts between phases.
    const runs = new Map<string, { rps: number; p99: number; non2xx: number; rows: number; delivered: number }[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, setUp] of phases) {
        const codes = freshCodes();
        const tearDown = setUp();
        const before = received;
        const result = await validationLoad(url, codes, { connections: CONNECTIONS, duration: DURATION_S });
        const rows = tearDown ? outboxRows() : 0;
        tearDown?.();
        runs.set(name, [...(runs.get(name) ?? []), { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, rows, delivered: received - before }]);
      }
    }
    const baseline = median(runs.get(phases[0]![0])!.map((r) => r.rps));
    for (const [name] of phases) {
      const all = runs.get(name)!;
      const rps = median(all.map((r) => r.rps));
      row(`validate, ${name}`, `${rps.toFixed(0)} req/s (runs: ${all.map((r) => r.rps.toFixed(0)).join(', ')}), p99 ${median(all.map((r) => r.p99))} ms, ${all.reduce((n, r) => n + r.non2xx, 0)} non-2xx, ${(rps / baseline).toFixed(2)}×${name === phases[0]![0] ? '' : `, outbox rows per run ${all.map((r) => (r.rows >= 1000 ? '≥1000' : r.rows)).join('/')}, delivered meanwhile ${all.map((r) => r.delivered).join('/')}`}`);
    }
    await hookCostInProcess(dataDir);
  } finally {
    await server.stop();
    receiver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The hook's own cost with no subscriber, measured in-process where HTTP noise cannot hide it: a
 * write transaction like a validation's smallest, with and without the two events a first
 * validation raises, in alternating blocks.
 */
async function hookCostInProcess(dataDir: string): Promise<void> {
  const db = await openDatabase(loadConfig({ STREAMGATE_DATA_DIR: dataDir }));
  const events = [
    { type: 'code.redeemed' as const, data: { eventId: 'bench', codeId: 'x', label: null, sessionId: 'y' } },
    { type: 'session.started' as const, data: { eventId: 'bench', codeId: 'x', label: null, sessionId: 'y' } },
  ];
  const block = async (withHook: boolean) => {
    const started = performance.now();
    for (let i = 0; i < 2_000; i++) {
      await writeTransaction(db, async (trx) => {
        await trx.updateTable('events').set({ updated_at: i }).where('id', '=', 'bench').execute();
        if (withHook) await raiseWebhookEvents(trx, Date.now(), events);
      });
    }
    return ((performance.now() - started) * 1000) / 2_000;
  };
  const without: number[] = [];
  const withHook: number[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      without.push(await block(false));
      withHook.push(await block(true));
    }
  } finally {
    await db.destroy();
  }
  const a = median(without);
  const b = median(withHook);
  row('write transaction (SQLite), in-process', `${a.toFixed(0)} µs`);
  row('the same + the hook of a first validation, no subscriber', `${b.toFixed(0)} µs (+${(b - a).toFixed(0)} µs)`);
}
