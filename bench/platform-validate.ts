// Code validations per second and p99 latency through the real platform process, against the
// same process answering /healthz in the same run (autocannon over loopback, 50 connections).
import fs from 'node:fs';
import path from 'node:path';
import { autocannonRun as run, cli, freshDataDir, row, startPlatform, validationLoad } from './lib.js';

const DURATION_S = 10;
const CONNECTIONS = 50;

export async function benchPlatformValidate(): Promise<void> {
  console.log('\n## platform: POST /api/tokens/validate (bench/platform-validate)');
  const dataDir = freshDataDir();
  const csv = cli(['tokens', 'create', '--event', 'bench', '--count', '5000'], dataDir).stdout;
  const codes = csv.trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[0]!);
  const server = await startPlatform(dataDir);
  const { url } = server;
  try {
    const health = await run({ url: `${url}/healthz`, connections: CONNECTIONS, duration: DURATION_S });
    const validate = await validationLoad(url, codes, { connections: CONNECTIONS, duration: DURATION_S });
    const non2xx = validate.non2xx;
    row('baseline: GET /healthz', `${health.requests.average.toFixed(0)} req/s, p99 ${health.latency.p99} ms`);
    row('POST /api/tokens/validate', `${validate.requests.average.toFixed(0)} req/s, p99 ${validate.latency.p99} ms (${non2xx} non-2xx; goal ≥ 5000/s, p99 < 20 ms)`);
    row('ratio validate / healthz throughput', `${(validate.requests.average / health.requests.average).toFixed(2)}×`);
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
