import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseUrlKind, hasPassword, redactDatabaseUrl } from './database-url.js';

test('databaseUrlKind tells SQLite from PostgreSQL and refuses anything else, naming the flag', () => {
  const cases: [string, 'sqlite' | 'postgres' | RegExp][] = [
    ['sqlite:/var/lib/streamgate/streamgate.db', 'sqlite'],
    ['postgres://sg@db.internal:5432/streamgate', 'postgres'],
    ['postgresql://sg@db.internal/streamgate', 'postgres'],
    ['postgres:///streamgate?host=/run/postgresql', 'postgres'],
    ['sqlite:', /--to: must be postgres:\/\//],
    ['mysql://sg@db/streamgate', /--to: must be/],
    ['/var/lib/streamgate.db', /--to: must be/],
  ];
  for (const [url, expected] of cases) {
    if (typeof expected === 'string') assert.equal(databaseUrlKind(url, '--to'), expected, url);
    else assert.throws(() => databaseUrlKind(url, '--to'), expected, url);
  }
});

test('hasPassword finds a password in the user part or the query, and only there', () => {
  const cases: [string, boolean][] = [
    ['postgres://sg:hunter2@db/streamgate', true],
    ['postgres://sg:@db/streamgate', false],
    ['postgres://sg@db/streamgate?password=hunter2', true],
    ['postgres://sg@db/streamgate?sslmode=require', false],
    ['postgres://db/streamgate', false],
    ['sqlite:/tmp/a:b@c.db', false],
  ];
  for (const [url, expected] of cases) assert.equal(hasPassword(url), expected, url);
});

test('redactDatabaseUrl keeps user, host, port and database, and drops password and query', () => {
  const cases: [string, string][] = [
    ['postgres://sg:hunter2@db.internal:5433/streamgate?sslmode=require&password=x', 'postgres://sg@db.internal:5433/streamgate'],
    ['postgresql://db/streamgate', 'postgresql://db/streamgate'],
    ['sqlite:/data/streamgate.db', 'sqlite:/data/streamgate.db'],
  ];
  for (const [url, expected] of cases) assert.equal(redactDatabaseUrl(url), expected);
});
