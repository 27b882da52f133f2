import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * The data directory holds every stream key (sealed), code hash, session and the secret: it is
 * its owner's alone. The directory should be 0700 and the files in it 0600; group or others
 * having any access is what these look for (an operator may well choose 0500 or 0400).
 */
export interface ModeProblem {
  path: string;
  mode: number;
  wanted: number;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

function databaseFiles(config: Config): string[] {
  if (!config.databaseUrl.startsWith('sqlite:')) return [];
  const db = config.databaseUrl.slice('sqlite:'.length);
  return [db, `${db}-wal`, `${db}-shm`];
}

/**
 * What is too open: the directory and the database files, those that exist. `secret` has its
 * own, stricter check (secret-store.ts: exactly 0600, or nothing starts).
 */
export function findOpenModes(config: Config): ModeProblem[] {
  const entries: [string, number][] = [
    [config.dataDir, DIR_MODE],
    ...databaseFiles(config).map((file): [string, number] => [file, FILE_MODE]),
  ];
  const problems: ModeProblem[] = [];
  for (const [file, wanted] of entries) {
    let mode: number;
    try {
      mode = fs.statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if (mode & 0o077) problems.push({ path: path.resolve(file), mode, wanted });
  }
  return problems;
}

/** Sets what `findOpenModes` finds to 0700 (directory) or 0600 (files); returns what it changed. */
export function tightenModes(config: Config): ModeProblem[] {
  const changed: ModeProblem[] = [];
  for (const problem of findOpenModes(config)) {
    fs.chmodSync(problem.path, problem.wanted);
    changed.push(problem);
  }
  return changed;
}

export function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
