import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';

/** Messages between the primary and an edge worker (the config travels over IPC, never in argv or env). */
export type ToWorker = { type: 'start'; config: Config; worker: number } | { type: 'stop' };
export type FromWorker = { type: 'ready' } | { type: 'listening'; url: string } | { type: 'failed'; code: string | undefined; message: string } | { type: 'stopped' };

const RESTART_DELAY_MS = 1_000;
const STOP_GRACE_MS = 5_000;
const START_TIMEOUT_MS = 30_000;

/**
 * EDGE_WORKERS > 1: the stand-alone edge as that many processes sharing EDGE_PORT (node:cluster;
 * this process accepts connections and hands them round-robin to the workers). Each worker is a
 * whole edge: its own revocation feed connection, token cache and hot content. A worker that dies
 * is replaced after a second; the first start of every worker must succeed, or none runs.
 */
export async function startEdgeCluster(config: Config, log: Log): Promise<{ url: string; stop(): Promise<void> }> {
  // Beside this module: dist/src/edge/ when compiled, dist/bundle/ in the bundle (bundle.js builds it there).
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./edge-worker.js', import.meta.url)), args: [] });
  const workers = new Map<number, Worker>();
  let stopping = false;

  const fork = (number: number): Promise<string> => {
    const worker = cluster.fork();
    workers.set(number, worker);
    const started = new Promise<string>((resolve, reject) => {
      // Sent once the worker listens for messages: anything sent earlier would be lost.
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') worker.send({ type: 'start', config, worker: number } satisfies ToWorker);
        if (message.type === 'listening') resolve(message.url);
        if (message.type === 'failed') reject(Object.assign(new Error(message.message), { code: message.code }));
      });
      worker.once('exit', (code, signal) => {
        reject(new Error(`edge worker ${number} exited (${signal ?? code}) before listening`));
        if (stopping || workers.get(number) !== worker) return;
        log.warn('edge worker died; replacing it', { worker: number, code, signal });
        setTimeout(() => {
          if (!stopping) fork(number).catch((error: Error) => log.error('edge worker failed to start', { worker: number, error: error.message }));
        }, RESTART_DELAY_MS).unref();
      });
    });
    const timeout = setTimeout(() => worker.process.kill('SIGKILL'), START_TIMEOUT_MS);
    return started.finally(() => clearTimeout(timeout));
  };

  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...workers.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (worker.isConnected()) worker.send({ type: 'stop' } satisfies ToWorker);
            else worker.process.kill('SIGTERM');
          }),
      ),
    );
  };

  let urls: string[];
  try {
    urls = await Promise.all(Array.from({ length: config.edgeWorkers }, (_, i) => fork(i + 1)));
  } catch (error) {
    await stop();
    throw error;
  }
  log.info('edge listening', { url: urls[0], mode: config.edgeMode, workers: config.edgeWorkers });
  return { url: urls[0]!, stop };
}
