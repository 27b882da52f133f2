import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropTestDatabase, testDatabaseEnv } from './test-database.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(REPO_ROOT, 'bin', 'streamgate');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  dataDir: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs the real `streamgate` binary against a data directory, as an operator would; in the
 * PostgreSQL pass against that data directory's own database (test-database.ts).
 */
export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  // A caller naming its own database (a cluster sharing one) gets no per-directory one for nothing.
  const database = options.env?.DATABASE_URL ? {} : await testDatabaseEnv(options.dataDir);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMGATE_DATA_DIR: options.dataDir, NO_COLOR: '1', ...database, ...options.env };
    delete env.DEBUG;
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Parses stdout of a `--json` run, failing with the whole output when it is not JSON. */
export function json<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

export function tempDir(prefix = 'streamgate-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A fresh, initialised data directory with one event, removed when the test ends. */
export async function initialisedDataDir(t: { after(fn: () => unknown): void }, eventArgs: string[] = ['--title', 'Conf', '--id', 'conf']): Promise<string> {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  // Retried: the clean-up may run while a service or its FFmpeg, being stopped, still writes there.
  t.after(async () => {
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    await dropTestDatabase(dataDir);
  });
  const init = await runCli(['init', '--yes'], { dataDir });
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const created = await runCli(['events', 'create', ...eventArgs], { dataDir });
  if (created.code !== 0) throw new Error(`events create failed: ${created.stderr}`);
  return dataDir;
}

/** The codes (first CSV column) of `tokens create` output, header dropped. */
export function codesFromCsv(csv: string): string[] {
  return csv
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',')[0]!);
}

/** A data directory to restore into that does not exist yet, removed (with its database) after the test. */
export function freshDataDir(t: { after(fn: () => unknown): void }): string {
  const root = tempDir();
  const dataDir = path.join(root, 'restored');
  t.after(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    await dropTestDatabase(dataDir);
  });
  return dataDir;
}
