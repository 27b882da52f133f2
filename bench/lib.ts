import { spawn, spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO_ROOT, 'bin', 'streamgate');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** A fresh data directory with one event `bench` (its database where `env.DATABASE_URL` says). */
export function freshDataDir(env: NodeJS.ProcessEnv = {}): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-bench-'));
  cli(['init', '--yes'], dataDir, env);
  cli(['events', 'create', '--title', 'Bench', '--id', 'bench'], dataDir, env);
  return dataDir;
}

export function cli(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`streamgate ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

export function cliAsync(args: string[], dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, STREAMGATE_DATA_DIR: dataDir }, stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`exit ${code}`))));
  });
}

export function row(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

export function autocannonRun(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))));
}

/**
 * `POST /api/tokens/validate` under load, each code always from its own device, never a 409: every
 * request is a full validation (budget, hash, lookup, JWT); a code's first entry opens its session in
 * a write transaction, and a later one resumes it, writing only when its last write is 5 s old.
 */
export function validationLoad(
  url: string,
  codes: string[],
  { cursor = { next: 0 }, ...options }: { connections: number; duration: number; /** Where in `codes` to go on from, across runs. */ cursor?: { next: number } },
): Promise<autocannon.Result> {
  return autocannonRun({
    url,
    ...options,
    requests: [
      {
        method: 'POST',
        path: '/api/tokens/validate',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const i = cursor.next++ % codes.length;
          return { ...request, body: JSON.stringify({ code: codes[i], deviceId: `bench-device-${i}` }) };
        },
      },
    ],
  });
}

export interface PlatformProcess {
  url: string;
  pid: number;
  /** SIGTERM, and the process gone. */
  stop(): Promise<void>;
}

/**
 * `streamgate serve platform` on a random port of its own, once it listens. One that exits first
 * (a port taken, a failed start) fails the benchmark with its log instead of leaving it waiting.
 */
export async function startPlatform(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<PlatformProcess> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [BIN, 'serve', 'platform'], {
    env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const untilListening = (d: Buffer) => {
      // Only its tail, for the error: a request log line per answer would otherwise grow it (and
      // the search through it) without end, and the bench's own event loop, which also drives the
      // load, would drain the pipe ever later while the platform's writes to it wait.
      log = (log + d).slice(-4000);
      if (!log.includes('platform listening')) return;
      child.stderr!.off('data', untilListening);
      child.stderr!.resume(); // read on, unbuffered: a full pipe would stall the platform's log
      resolve();
    };
    child.stderr!.on('data', untilListening);
    void closed.then(() => reject(new Error(`serve platform exited before it listened:\n${log.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await closed;
    },
  };
}

/** Stands in for node:test's `t` in a bench: the test helpers register their clean-ups here, run last first. */
export class Cleanup {
  private readonly fns: (() => unknown)[] = [];
  after(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns.reverse()) await fn();
  }
}
