// What webhooks cost code validations, in one run through one real platform process: validations
// that each open a session (fresh codes in every phase) with no webhook, with a webhook for
// another event type (nothing may be written), and with one receiving session.started and
// code.redeemed (two outbox rows per validation, sent meanwhile to a local receiver); then with
// no webhook again, to show the drift between phases.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN, cli, freshDataDir, row, validationLoad } from './lib.js';

const DURATION_S = 5;
const CONNECTIONS = 50;
const CODES_PER_PHASE = 15_000;

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
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const server = spawn(process.execPath, [BIN, 'serve', 'platform'], {
    env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve) => server.stderr.on('data', (d) => String(d).includes('platform listening') && resolve()));
  const url = `http://127.0.0.1:${port}`;
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
    const phases: [string, () => (() => void) | void][] = [
      ['no webhook', () => undefined],
      ['a webhook for event.live only (writes nothing)', () => {
        const id = addHook('event.live');
        return () => removeHook(id);
      }],
      ['a webhook for session.started,code.redeemed (2 rows each)', () => {
        const id = addHook('session.started,code.redeemed');
        return () => removeHook(id);
      }],
      ['no webhook, again', () => undefined],
    ];
    let baseline = 0;
    for (const [name, setUp] of phases) {
      const codes = freshCodes();
      const tearDown = setUp();
      const before = received;
      const result = await validationLoad(url, codes, { connections: CONNECTIONS, duration: DURATION_S });
      const rows = tearDown ? outboxRows() : 0;
      baseline ||= result.requests.average;
      row(`validate, ${name}`, `${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx, ${(result.requests.average / baseline).toFixed(2)}× (${result.requests.total} requests${tearDown ? `, ${rows >= 1000 ? '≥1000' : rows} outbox rows, ${received - before} delivered meanwhile` : ''})`);
      tearDown?.();
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.on('close', resolve));
    receiver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
