import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeCsvLines, codesToCsv, neutraliseFormula } from './code-csv.js';

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

  for (const label of [null, 'vip', 'row "A", seat 1', '=cmd', 'line\nbreak', 'é']) {
    it(`writes a batch's lines byte for byte as codesToCsv does (label ${JSON.stringify(label)})`, () => {
      const codes = ['ABCDEFGHJKMN', 'NMKJHGFEDCBA', '0123456789AB'];
      const batch = { eventId: 'conf', expiresAt: '2026-01-01T00:00:00.000Z', label };
      for (const withHeader of [true, false]) {
        const lines = codeCsvLines(Buffer.from(codes.join(''), 'latin1'), 12, batch, withHeader);
        assert.equal(lines.toString('utf8'), codesToCsv(codes.map((code) => ({ code, ...batch })), withHeader));
      }
    });
  }
});
