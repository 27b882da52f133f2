import fs from 'node:fs';
import { AtomicFile } from '../core/atomic-file.js';
import { codesToCsv } from '../core/codes/code-csv.js';
import { memoryCodeSink, type CodeSink } from '../core/codes/code-issue.js';
import { AppError } from '../core/errors.js';
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
 */
export function openCodeDestination(out: Output, outPath: string | undefined): CodeDestination {
  if (outPath) return fileDestination(outPath);
  const sink = memoryCodeSink();
  return {
    sink,
    finish: () => {
      if (out.json) printJson(sink.rows);
      else process.stdout.write(codesToCsv(sink.rows, true));
    },
    abort: () => void (sink.rows.length = 0),
  };
}

function fileDestination(outPath: string): CodeDestination {
  if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory()) {
    throw new AppError(400, 'out_unwritable', `--out: ${outPath} is a directory`);
  }
  let file: AtomicFile;
  try {
    file = new AtomicFile(outPath, 0o600);
  } catch (error) {
    throw new AppError(400, 'out_unwritable', `--out: cannot write ${outPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let wroteHeader = false;
  return {
    sink: {
      write: (chunk) => {
        file.write(codesToCsv(chunk, !wroteHeader));
        wroteHeader = true;
      },
      sync: () => file.sync(),
    },
    finish: () => file.commit(),
    abort: () => file.abort(),
  };
}
