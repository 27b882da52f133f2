import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { AppError } from '../core/errors.js';

/**
 * Codes from a file or stdin: either a CSV with a `code` column (what `tokens create` writes)
 * or one code per line. Blank lines and lines starting with # are ignored.
 */
export function parseCodeList(text: string): string[] {
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '' && !line.startsWith('#')) ?? '';
  const header = firstLine.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.includes('code')) {
    const records = parse(text, { columns: true, skip_empty_lines: true, comment: '#', trim: true, relax_column_count: true }) as Record<string, string>[];
    const key = Object.keys(records[0] ?? {}).find((k) => k.toLowerCase() === 'code') ?? 'code';
    return records.map((r) => r[key] ?? '').filter((c) => c !== '');
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function readCodeFile(file: string): string[] {
  try {
    return parseCodeList(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(400, 'file_unreadable', `--file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export async function readCodesFromStdin(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return parseCodeList(Buffer.concat(chunks).toString('utf8'));
}
