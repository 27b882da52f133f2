import fs from 'node:fs';
import path from 'node:path';
import { AtomicFile } from '../core/atomic-file.js';
import { CODE_LENGTH } from '../core/access-code.js';
import { codeCsvLines, codesToCsv } from '../core/codes/code-csv.js';
import { memoryCodeSink, type CodeSink } from '../core/codes/code-issue.js';
import { AppError, operationalFailure } from '../core/errors.js';
import { removeStaleTempFiles } from '../core/stale-temp-files.js';
import type { Output } from './output.js';
import { printJson } from './output.js';

/** Where newly issued codes go, and when: see `finish` and `abort`. */
export interface CodeDestination {
  sink: CodeSink;
  /** After the database commit: rename the file into place, or print what was buffered. */
  finish(): void;
  /** On failure: leave no file behind and print nothing. */
  abort(): void;
}

/**
 * `--out` streams CSV into a temporary file (mode 0600) that is flushed before the database
 * commit and renamed after it. Without `--out`, codes are held back and printed only after the
 * commit, so a failed batch never shows a code that does not work.
 *
 * An existing `--out` file may be the only copy of an earlier batch's codes: it is refused
 * unless `force`, and refused here, before a single code is issued.
 */
export function openCodeDestination(out: Output, outPath: string | undefined, { force = false } = {}): CodeDestination {
  if (outPath) return fileDestination(outPath, force);
  if (!out.json) return heldCsvDestination();
  const sink = memoryCodeSink();
  return { sink, finish: () => printJson(sink.rows), abort: () => void (sink.rows.length = 0) };
}

/** CSV on stdout, held back as the lines' bytes (not a record per code) until the commit. */
function heldCsvDestination(): CodeDestination {
  let chunks: Buffer[] = [];
  return {
    sink: {
      write: (codes, batch) => void chunks.push(codeCsvLines(codes, CODE_LENGTH, batch, chunks.length === 0)),
      sync: () => undefined,
    },
    finish: () => {
      if (chunks.length === 0) process.stdout.write(codesToCsv([], true));
      for (const chunk of chunks) process.stdout.write(chunk);
      chunks = [];
    },
    abort: () => void (chunks = []),
  };
}

function fileDestination(outPath: string, force: boolean): CodeDestination {
  if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory()) {
    throw new AppError(400, 'out_unwritable', `--out: ${outPath} is a directory`);
  }
  if (!force && fs.existsSync(outPath)) throw outExists(outPath);
  reportRemoved(removeStaleTempFiles(path.dirname(path.resolve(outPath))));
  let file: AtomicFile;
  try {
    file = new AtomicFile(outPath, 0o600);
  } catch (error) {
    throw new AppError(400, 'out_unwritable', `--out: cannot write ${outPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let wroteHeader = false;
  return {
    sink: {
      write: (codes, batch) => {
        file.write(codeCsvLines(codes, CODE_LENGTH, batch, !wroteHeader));
        wroteHeader = true;
      },
      sync: () => file.sync(),
    },
    finish: () => {
      try {
        file.commit({ replace: force });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // Someone created the file after our check; the codes are issued, so keep them visibly.
        const kept = keepAside(file.tempPath, outPath);
        throw operationalFailure(`--out: ${outPath} appeared while the codes were issued; it was left alone and the new codes are in ${kept}`, 'out_exists');
      }
    },
    abort: () => file.abort(),
  };
}

function outExists(outPath: string): AppError {
  return new AppError(400, 'out_exists', `--out: ${outPath} already exists and may hold the only copy of earlier codes; choose another file, or pass --force to replace it`);
}

/** A visible, unused name beside the target for codes that could not go where asked. */
function keepAside(tempPath: string, outPath: string): string {
  const { dir, name, ext } = path.parse(path.resolve(outPath));
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, `${name}-${n}${ext || '.csv'}`);
    try {
      fs.linkSync(tempPath, candidate);
      fs.rmSync(tempPath, { force: true });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return tempPath;
    }
  }
}

function reportRemoved(removed: { path: string; bytes: number }[]): void {
  for (const file of removed) {
    process.stderr.write(`streamgate: removed ${file.path}, a temporary file (${file.bytes} bytes) left by an interrupted run
`);
  }
}
