/** Crockford base32 as typed: upper case, look-alikes mapped (O→0, I/L→1), grouped 4-4-4. */
export function formatCode(input: string): string {
  const clean = input
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
    .replace(/[^0-9A-HJKMNP-TV-Z]/g, '')
    .slice(0, 12);
  return clean.replace(/(.{4})(?=.)/g, '$1-');
}

export function isCompleteCode(formatted: string): boolean {
  return formatted.replace(/-/g, '').length === 12;
}
