import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codesToCsv, neutraliseFormula } from './code-csv.js';

describe('code CSV', () => {
  const formulas: [string, string][] = [
    ['=HYPERLINK("x")', `'=HYPERLINK("x")`],
    ['+1', `'+1`],
    ['-1', `'-1`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tx', `'\tx`],
    ['vip', 'vip'],
    ['a=b', 'a=b'],
  ];
  for (const [label, expected] of formulas) {
    it(`makes ${JSON.stringify(label)} inert as ${JSON.stringify(expected)}`, () => assert.equal(neutraliseFormula(label), expected));
  }

  it('writes RFC 4180: header, CRLF, quotes doubled where a field needs them', () => {
    const csv = codesToCsv(
      [
        { code: 'ABCDEFGHJKMN', eventId: 'conf', expiresAt: '2026-01-01T00:00:00.000Z', label: 'row "A", seat 1' },
        { code: 'NMKJHGFEDCBA', eventId: 'conf', expiresAt: '2026-01-01T00:00:00.000Z', label: null },
      ],
      true,
    );
    assert.equal(
      csv,
      'code,event_id,expires_at,label\r\n' +
        'ABCDEFGHJKMN,conf,2026-01-01T00:00:00.000Z,"row ""A"", seat 1"\r\n' +
        'NMKJHGFEDCBA,conf,2026-01-01T00:00:00.000Z,\r\n',
    );
  });
});
