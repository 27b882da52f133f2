import type BetterSqlite3 from 'better-sqlite3';
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { databaseKind, sqliteHandle, sqliteReadHandle, type DatabaseKind, type Db } from './database.js';
import { preparePostgresStatement } from './postgres-database.js';

/** Stands for a named value while the statement is built; never a value a caller passes. */
const PLACEHOLDER = '\u0000compile-once:';

/**
 * A statement of the hot path, built and compiled by kysely once per kind of database instead of
 * on every run (building and compiling showed in validation profiles). `build` gets a placeholder
 * for each named value; each run puts the caller's values where the placeholders were, so the SQL
 * text is the same every time: SQLite's driver reuses its prepared statement
 * (sqlite-database.ts), and PostgreSQL's connections prepare it once by name
 * (postgres-database.ts). Only for values that `build` passes through as they are (no arithmetic
 * on them, no lists whose length would change the SQL).
 *
 * On SQLite the statement runs on the connection's own prepared statement, not through kysely's
 * driver: better-sqlite3 runs it synchronously to the end, so kysely's connection lock and its
 * promises guard nothing here, and they cost more than the statement (~15 µs a run in profiles).
 * A read runs on the connection whose page cache is warm (`sqliteReadHandle`).
 */
export function compileOnce<V extends Record<string, unknown>, R = unknown>(
  names: readonly (keyof V & string)[],
  build: (db: Db, values: V) => Compilable<R>,
): (db: Db, values: V) => Promise<QueryResult<R>> {
  const compiled = new Map<DatabaseKind, { query: CompiledQuery<R>; slots: ((keyof V & string) | null)[] }>();
  const compileFor = (db: Db) => {
    const placeholders = Object.fromEntries(names.map((name) => [name, PLACEHOLDER + name])) as unknown as V;
    const query = build(db, placeholders).compile();
    if (databaseKind(db) === 'postgres') preparePostgresStatement(query.sql);
    const slots = query.parameters.map((p) => (typeof p === 'string' && p.startsWith(PLACEHOLDER) ? (p.slice(PLACEHOLDER.length) as keyof V & string) : null));
    const unused = names.filter((name) => !slots.includes(name));
    if (unused.length > 0) throw new Error(`compileOnce: ${unused.join(', ')} not passed through as parameters`);
    return { query, slots };
  };
  return (db, values) => {
    const kind = databaseKind(db);
    let entry = compiled.get(kind);
    if (!entry) compiled.set(kind, (entry = compileFor(db)));
    const { query, slots } = entry;
    const parameters = slots.map((name, i) => (name === null ? query.parameters[i] : values[name]));
    const handle = sqliteHandle(db);
    if (handle) return Promise.resolve(runOnSqlite(db, handle, query.sql, parameters));
    return db.executeQuery<R>({ ...query, parameters });
  };
}

/** Each connection's statements of `compileOnce`, prepared on first use. */
const prepared = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

function preparedOn(handle: BetterSqlite3.Database, source: string): BetterSqlite3.Statement {
  let statements = prepared.get(handle);
  if (!statements) prepared.set(handle, (statements = new Map()));
  let statement = statements.get(source);
  if (!statement) statements.set(source, (statement = handle.prepare(source)));
  return statement;
}

/** What kysely's SQLite driver answers for the statement, without its driver. */
function runOnSqlite<R>(db: Db, handle: BetterSqlite3.Database, source: string, parameters: unknown[]): QueryResult<R> {
  const statement = preparedOn(handle, source);
  if (statement.reader && statement.readonly) return { rows: preparedOn(sqliteReadHandle(db) ?? handle, source).all(parameters) as R[] };
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
}
