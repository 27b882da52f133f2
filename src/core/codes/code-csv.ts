import { stringify } from 'csv-stringify/sync';

export const CODE_CSV_HEADER = ['code', 'event_id', 'expires_at', 'label'] as const;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; a leading
 * apostrophe makes it text (OWASP "CSV injection"). Codes, ids and ISO times never start so.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export interface CodeCsvRow {
  code: string;
  eventId: string;
  expiresAt: string;
  label: string | null;
}

/** RFC 4180 CSV (quotes where needed, CRLF line ends), optionally with the header line. */
export function codesToCsv(rows: CodeCsvRow[], withHeader: boolean): string {
  const records = rows.map((r) => [r.code, r.eventId, r.expiresAt, neutraliseFormula(r.label ?? '')]);
  return stringify(withHeader ? [[...CODE_CSV_HEADER], ...records] : records, { record_delimiter: '\r\n' });
}

/** What every code of a batch shares in its CSV line. */
export interface CodeCsvBatch {
  eventId: string;
  expiresAt: string;
  label: string | null;
}

/**
 * The CSV lines of `codes` (CODE_LENGTH latin1 bytes each, back to back), exactly as
 * `codesToCsv` writes them: a code never needs quoting, so each line is the code followed by
 * the batch's columns, quoted once here. A million lines cost one buffer instead of a million
 * records through the CSV writer.
 */
export function codeCsvLines(codes: Buffer, codeLength: number, batch: CodeCsvBatch, withHeader: boolean): Buffer {
  const placeholder = 'A'.repeat(codeLength);
  const line = codesToCsv([{ code: placeholder, ...batch }], false);
  if (!line.startsWith(`${placeholder},`)) throw new Error('a code would need quoting in CSV');
  const suffix = Buffer.from(line.slice(codeLength), 'utf8');
  const header = withHeader ? Buffer.from(stringify([[...CODE_CSV_HEADER]], { record_delimiter: '\r\n' }), 'utf8') : Buffer.alloc(0);
  const count = codes.length / codeLength;
  const lineBytes = codeLength + suffix.length;
  const out = Buffer.allocUnsafe(header.length + count * lineBytes);
  header.copy(out, 0);
  for (let k = 0; k < count; k++) {
    const at = header.length + k * lineBytes;
    // Byte loops: Buffer#copy costs ~1 µs a call, which a million short lines feel.
    for (let b = 0; b < codeLength; b++) out[at + b] = codes[k * codeLength + b]!;
    for (let b = 0; b < suffix.length; b++) out[at + codeLength + b] = suffix[b]!;
  }
  return out;
}
