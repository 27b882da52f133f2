import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCodeList } from './code-list-input.js';

describe('parseCodeList', () => {
  it('reads the code column of a CSV written by tokens create', () => {
    const csv = 'code,event_id,expires_at,label\r\nABCDEFGHJKMN,conf,2026-01-01T00:00:00.000Z,"a, b"\r\nNMKJHGFEDCBA,conf,2026-01-01T00:00:00.000Z,\r\n';
    assert.deepEqual(parseCodeList(csv), ['ABCDEFGHJKMN', 'NMKJHGFEDCBA']);
  });

  it('finds the code column wherever it is', () => {
    assert.deepEqual(parseCodeList('email,Code\nme@x.org,ABCD-EFGH-JKMN\n'), ['ABCD-EFGH-JKMN']);
  });

  it('reads one code per line, skipping blanks and # comments', () => {
    assert.deepEqual(parseCodeList('# refunds\nABCDEFGHJKMN\n\n  nmkj-hgfe-dcba  \n'), ['ABCDEFGHJKMN', 'nmkj-hgfe-dcba']);
  });
});
