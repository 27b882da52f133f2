import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { databaseKind, type DatabaseKind, type Db } from './database.js';
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
    return db.executeQuery<R>({ ...query, parameters: slots.map((name, i) => (name === null ? query.parameters[i] : values[name])) });
  };
}
