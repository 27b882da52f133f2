// One process of a stand-alone edge run as several (EDGE_WORKERS; see edge-cluster.ts). It waits
// for its configuration from the primary, runs a whole edge on the shared port, and stops when
// the primary says so or goes away. Signals are the primary's to act on: Ctrl-C reaches the whole
// process group, and a worker leaving on its own would only be replaced.
import cluster from 'node:cluster';
import type { FromWorker, ToWorker } from './edge-cluster.js';
import { startEdge } from './start.js';

const send = (message: FromWorker) => process.send?.(message);
let running: Awaited<ReturnType<typeof startEdge>> | null = null;

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The primary gone (killed by a second Ctrl-C): nothing to serve for, nobody to tell.
process.on('disconnect', () => process.exit(0));
cluster.worker?.on('error', () => process.exit(0));
process.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    startEdge({ ...message.config, edgeWorkers: 1 }, undefined, { worker: message.worker }).then(
      (edge) => {
        running = edge;
        send({ type: 'listening', url: edge.url });
      },
      (error: NodeJS.ErrnoException) => {
        send({ type: 'failed', code: error.code, message: error.message });
        process.exit(1);
      },
    );
  } else if (message.type === 'stop') {
    void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});
send({ type: 'ready' });
