// Code validations per second and p99 latency through the real platform process, against the
// same process answering /healthz in the same run (autocannon over loopback, 50 connections).
// The two loads take turns in short phases, so that a neighbour's load on a shared machine falls
// on both alike and the ratio stays comparable from run to run.
import fs from 'node:fs';
import { cpuSeconds } from './process-usage.js';
import { autocannonRun as run, cli, freshDataDir, median, row, startPlatform, validationLoad } from './lib.js';

const ROUNDS = 5;
const PHASE_S = 2;
const CONNECTIONS = 50;

export async function benchPlatformValidate(): Promise<void> {
  console.log('\n## platform: POST /api/tokens/validate (bench/platform-validate)');
  const dataDir = freshDataDir();
  const csv = cli(['tokens', 'create', '--event', 'bench', '--count', '5000'], dataDir).stdout;
  const codes = csv.trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[0]!);
  const server = await startPlatform(dataDir);
  const { url } = server;
  try {
    // Codes go on where the last phase stopped: their first entries come first, then resumes.
    const cursor = { next: 0 };
    // The platform's own CPU time per answer too: on a machine that others load, this ratio holds
    // where the throughputs (which get what CPU is left) wander.
    const health = { requests: 0, seconds: 0, cpu: 0, p99: [] as number[] };
    const validate = { requests: 0, seconds: 0, cpu: 0, p99: [] as number[], non2xx: 0 };
    const cpuDuring = async <T>(phase: () => Promise<T>): Promise<[T, number]> => {
      const before = cpuSeconds(server.pid);
      const result = await phase();
      return [result, cpuSeconds(server.pid) - before];
    };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [h, hCpu] = await cpuDuring(() => run({ url: `${url}/healthz`, connections: CONNECTIONS, duration: PHASE_S }));
      const [v, vCpu] = await cpuDuring(() => validationLoad(url, codes, { connections: CONNECTIONS, duration: PHASE_S, cursor }));
      health.cpu += hCpu;
      validate.cpu += vCpu;
      health.requests += h.requests.total;
      health.seconds += h.duration;
      health.p99.push(h.latency.p99);
      validate.requests += v.requests.total;
      validate.seconds += v.duration;
      validate.p99.push(v.latency.p99);
      validate.non2xx += v.non2xx;
      // A phase the machine's other load starved of every answer says nothing about the ratio.
      if (h.requests.total > 0 && v.requests.total > 0) ratios.push(v.requests.total / v.duration / (h.requests.total / h.duration));
    }
    const healthRate = health.requests / health.seconds;
    const validateRate = validate.requests / validate.seconds;
    row('baseline: GET /healthz', `${healthRate.toFixed(0)} req/s, p99 ${median(health.p99)} ms (median of ${ROUNDS} phases)`);
    row(
      'POST /api/tokens/validate',
      `${validateRate.toFixed(0)} req/s, p99 ${median(validate.p99)} ms (${validate.non2xx} non-2xx; ${Math.min(cursor.next, codes.length)} first entries of ${cursor.next}; goal ≥ 5000/s, p99 < 20 ms)`,
    );
    const µs = (phase: { cpu: number; requests: number }) => (phase.cpu * 1e6) / phase.requests;
    row('platform CPU per answer: healthz, validate', `${µs(health).toFixed(0)} µs, ${µs(validate).toFixed(0)} µs: healthz / validate ${(µs(health) / µs(validate)).toFixed(2)}×`);
    row('ratio validate / healthz throughput', `${(validateRate / healthRate).toFixed(2)}× (phases ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×; goal ≥ 0.7×)`);
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
