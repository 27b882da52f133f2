import { sql } from 'kysely';
import type { Clock } from './clock.js';
import { compileOnce } from './db/compile-once.js';
import { writeTransaction, type Db } from './db/database.js';

/**
 * Each change to a budget is one statement that keeps the budget's rule by itself (see the class),
 * so on PostgreSQL it needs no turn of its own: it shares the write lock (database.ts).
 */
const ONE_STATEMENT = 'shared' as const;

/** Every attempt at a code reads its client's budget first: compiled once, not per request. */
const selectFullAt = compileOnce(['scope', 'client'], (db, { scope, client }: { scope: string; client: string }) =>
  db.selectFrom('failure_budgets').select('full_at').where('scope', '=', scope).where('client', '=', client),
);

export interface FailureBudgetOptions {
  /** What the budget is for ('wrong_code', 'login'): each scope is a budget of its own. */
  scope: string;
  /** Failures a client may make at once, with a full budget. */
  burst: number;
  /** One spent failure comes back every this many milliseconds. */
  refillEveryMs: number;
  clock: Clock;
}

/**
 * A token bucket of failed attempts per client, kept in the database so that every platform
 * replica sees the same budget (a client behind a load balancer may hit any of them). Unlike a
 * fixed window it never bans: a client that used its budget gets one more attempt every
 * `refillEveryMs`, and the wait it is told is exactly the time until then. The callers decide
 * what counts as a failure; a refusal by this budget is not one.
 *
 * Stored as the time each client's bucket is full again (whole milliseconds: no rounding drift).
 * No row means a full budget: a row whose time has passed is deleted (`prune`), so the table holds
 * only the clients that failed recently. Every change is one statement: replicas racing for the
 * same client's last attempt cannot both get it.
 */
export class FailureBudget {
  constructor(
    private readonly db: Db,
    private readonly options: FailureBudgetOptions,
  ) {
    if (!(options.burst >= 1) || !(options.refillEveryMs > 0)) throw new Error('FailureBudget: burst ≥ 1 and refillEveryMs > 0');
  }

  /** The head start a full budget gives: the client's wait is how far `full_at` is past it. */
  private get slackMs(): number {
    return (this.options.burst - 1) * this.options.refillEveryMs;
  }

  /** Milliseconds until `client` may fail again; 0 while it has budget left. */
  async waitMs(client: string): Promise<number> {
    return this.waitFrom(await this.fullAt(client), this.options.clock());
  }

  /** When `client`'s budget is full again (epoch ms); 0 for a client with no row (full now). */
  private async fullAt(client: string): Promise<number> {
    const row = (await selectFullAt(this.db, { scope: this.options.scope, client })).rows[0];
    return row ? Number(row.full_at) : 0;
  }

  private waitFrom(fullAt: number, now: number): number {
    return Math.max(0, fullAt - now - this.slackMs);
  }

  /**
   * The cheap way in for a client far from its limit: one read, no write, when at least
   * `marginAttempts` attempts are left (then no burst of parallel requests it could have in flight
   * reaches the limit, and the order of taking and checking cannot be told apart); else `reserve`.
   * `taken` says which: a turn not taken is paid with `charge` if the attempt failed, a taken one
   * is given back with `refund` if it did not.
   */
  async turn(client: string, maxWaitMs: number, marginAttempts: number): Promise<{ hold: number; taken: boolean } | null> {
    const now = this.options.clock();
    const fullAt = await this.fullAt(client);
    const owedMs = fullAt ? fullAt - now : 0;
    if (owedMs <= (this.options.burst - marginAttempts) * this.options.refillEveryMs) return { hold: 0, taken: false };
    const hold = await this.reserve(client, maxWaitMs);
    return hold === null ? null : { hold, taken: true };
  }

  /**
   * Records one failure whatever is left: an attempt let through by `turn` without taking it.
   * `lockWaitMs` bounds the wait for the write lock (then it throws `busy`, nothing recorded).
   */
  async charge(client: string, lockWaitMs?: number): Promise<void> {
    const now = this.options.clock();
    await writeTransaction(this.db, (trx) => this.reserveIn(trx, client, Number.MAX_SAFE_INTEGER, now), { lockWaitMs, lock: ONE_STATEMENT });
  }

  /** Records one failure; false (and nothing recorded) when the budget was already spent. */
  async spend(client: string): Promise<boolean> {
    return (await this.reserve(client, 0)) !== null;
  }

  /**
   * Takes the next attempt of `client` before it is checked, if that attempt comes within
   * `maxWaitMs`: the milliseconds to hold the request until then (0 while budget is left), or null
   * (nothing taken) when it is further away. Give it back with `refund` if the attempt did not fail.
   */
  async reserve(client: string, maxWaitMs: number): Promise<number | null> {
    const now = this.options.clock();
    return writeTransaction(this.db, (trx) => this.reserveIn(trx, client, maxWaitMs, now), { lock: ONE_STATEMENT });
  }

  /** `reserve` as one statement in the caller's write transaction. */
  async reserveIn(trx: Db, client: string, maxWaitMs: number, now: number): Promise<number | null> {
    const { scope, refillEveryMs } = this.options;
    // An upsert that adds one interval to max(now, full_at), unless the attempt it takes is more
    // than `maxWaitMs` away: then no row comes back and nothing changed.
    const row = await trx
      .insertInto('failure_budgets')
      .values({ scope, client, full_at: now + refillEveryMs })
      .onConflict((oc) =>
        oc.columns(['scope', 'client']).doUpdateSet({
          full_at: sql<number>`case when failure_budgets.full_at > ${now} then failure_budgets.full_at + ${refillEveryMs} else ${now + refillEveryMs} end`,
        })
          .where(sql<boolean>`failure_budgets.full_at - ${now + this.slackMs} <= ${maxWaitMs}`),
      )
      .returning('full_at')
      .executeTakeFirst();
    if (!row) return null;
    return this.waitFrom(Number(row.full_at) - refillEveryMs, now);
  }

  /** Gives back an attempt taken by `reserve` that did not fail. */
  async refund(client: string, lockWaitMs?: number): Promise<void> {
    await writeTransaction(this.db, (trx) => this.refundIn(trx, client), { lockWaitMs, lock: ONE_STATEMENT });
  }

  /**
   * `refund` in the caller's write transaction (a successful validation folds it into its own):
   * one interval comes off. A row whose time has passed reads as a full budget, like no row, and
   * is left for `pruneFailureBudgets`.
   */
  async refundIn(trx: Db, client: string): Promise<void> {
    await trx
      .updateTable('failure_budgets')
      .set({ full_at: sql<number>`full_at - ${this.options.refillEveryMs}` })
      .where('scope', '=', this.options.scope)
      .where('client', '=', client)
      .execute();
  }
}

/**
 * Deletes every budget that is full again (its row says nothing any more). Run by each replica's
 * sweep; a client that failed once and left costs one row for at most one refill interval times
 * its failures.
 */
export async function pruneFailureBudgets(db: Db, now: number): Promise<number> {
  const stale = await db.selectFrom('failure_budgets').select('client').where('full_at', '<=', now).limit(1).executeTakeFirst();
  if (!stale) return 0;
  const result = await writeTransaction(db, (trx) => trx.deleteFrom('failure_budgets').where('full_at', '<=', now).executeTakeFirst());
  return Number(result.numDeletedRows);
}
