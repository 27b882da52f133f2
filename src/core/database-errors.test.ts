import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConnectionLoss, toDatabaseError } from './database-errors.js';
import { AppError, databaseBusy } from './errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionLoss', () => {
  const cases: [string, unknown, boolean][] = [
    ['refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), true],
    ['reset', withCode('ECONNRESET'), true],
    ['admin shutdown (server stopped, pg_terminate_backend)', withCode('57P01', 'terminating connection due to administrator command'), true],
    ['crash shutdown', withCode('57P02'), true],
    ['starting up', withCode('57P03', 'the database system is starting up'), true],
    ['connection exception class 08', withCode('08006'), true],
    ['pg: socket closed mid-query', new Error('Connection terminated unexpectedly'), true],
    ['pg: connect timeout', new Error('timeout exceeded when trying to connect'), true],
    ['several addresses refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), true],
    ['unique violation', withCode('23505', 'duplicate key value'), false],
    ['read-only transaction', withCode('25006'), false],
    ['lock timeout (busy, not gone)', withCode('55P03'), false],
    ['SQLite busy', withCode('SQLITE_BUSY'), false],
    ['a plain bug', new TypeError('x is undefined'), false],
    ['not an error', 'ECONNREFUSED', false],
  ];
  for (const [name, error, expected] of cases) {
    it(`${expected ? 'is' : 'is not'} a lost connection: ${name}`, () => assert.equal(isConnectionLoss(error), expected));
  }
});

describe('toDatabaseError', () => {
  it('turns a lost connection into 503 database_unavailable with a retry hint', () => {
    const error = toDatabaseError(withCode('ECONNREFUSED')) as AppError;
    assert.ok(error instanceof AppError);
    assert.deepEqual([error.status, error.code, error.details?.retryAfter], [503, 'database_unavailable', 2]);
  });

  it('leaves AppErrors and other errors as they are', () => {
    const busy = databaseBusy();
    assert.equal(toDatabaseError(busy), busy);
    const bug = new TypeError('x');
    assert.equal(toDatabaseError(bug), bug);
  });
});
