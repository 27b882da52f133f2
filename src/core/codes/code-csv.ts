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
