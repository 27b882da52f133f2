import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InsertPace } from './batch-rows.js';

describe('InsertPace', () => {
  it('sizes the next statement to end within the time left, learning from the last', () => {
    const pace = new InsertPace();
    // PostgreSQL under load: 1,000 rows took 200 ms (5 rows a ms); 40 ms left → 160 rows at 80 %.
    pace.record(1_000, 200);
    assert.equal(pace.rowsFor(40), 160);
    assert.ok(pace.rowsFor(10) < 100, 'too little time left: commit first');
    // SQLite on a quiet machine: 1,000 rows in 2 ms; the statement is capped all the same.
    pace.record(1_000, 2);
    assert.equal(pace.rowsFor(50), 2_000);
  });

  it('ignores statements too small to time', () => {
    const pace = new InsertPace();
    pace.record(1_000, 100);
    pace.record(3, 0);
    assert.equal(pace.rowsFor(50), 400);
  });
});
