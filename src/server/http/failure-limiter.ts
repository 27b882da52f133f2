import { ipKeyGenerator } from 'express-rate-limit';
import { AppError } from '../../core/errors.js';

export interface FailureBudgetOptions {
  /** Failures a client may make at once, with a full budget. */
  burst: number;
  /** One spent failure comes back every this many milliseconds. */
  refillEveryMs: number;
  clock: () => number;
  /** Clients remembered at most; the least recently failing one is forgotten first. */
  maxClients?: number;
}

/**
 * A token bucket of failed attempts per client. Unlike a fixed window it never bans: a client
 * that used its budget gets one more attempt every `refillEveryMs`, and the wait it is told is
 * exactly the time until then. The callers decide what counts as a failure; a refusal by this
 * budget is not one.
 *
 * Kept as the time each client's bucket is full again (whole milliseconds: no rounding drift).
 */
export class FailureBudget {
  private readonly fullAt = new Map<string, number>();

  constructor(private readonly options: FailureBudgetOptions) {
    if (!(options.burst >= 1) || !(options.refillEveryMs > 0)) throw new Error('FailureBudget: burst ≥ 1 and refillEveryMs > 0');
  }

  /** Milliseconds until `client` may fail again; 0 while it has budget left. */
  waitMs(client: string): number {
    const owed = (this.fullAt.get(client) ?? 0) - this.options.clock();
    return Math.max(0, owed - (this.options.burst - 1) * this.options.refillEveryMs);
  }

  /** Records one failure; false (and nothing recorded) when the budget was already spent. */
  spend(client: string): boolean {
    return this.reserve(client, 0) !== null;
  }

  /**
   * Takes the next attempt of `client` before it is checked, if that attempt comes within
   * `maxWaitMs`: the milliseconds to hold the request until then (0 while budget is left), or null
   * (nothing taken) when it is further away. Give it back with `refund` if the attempt did not fail.
   */
  reserve(client: string, maxWaitMs: number): number | null {
    const wait = this.waitMs(client);
    if (wait > maxWaitMs) return null;
    const now = this.options.clock();
    const fullAt = Math.max(now, this.fullAt.get(client) ?? 0) + this.options.refillEveryMs;
    this.fullAt.delete(client); // re-insert: Map order is the least-recently-failing order
    this.fullAt.set(client, fullAt);
    if (this.fullAt.size > (this.options.maxClients ?? 100_000)) this.fullAt.delete(this.fullAt.keys().next().value!);
    return wait;
  }

  /** Gives back an attempt taken by `reserve` that did not fail. */
  refund(client: string): void {
    const fullAt = this.fullAt.get(client);
    if (fullAt === undefined) return;
    const left = fullAt - this.options.refillEveryMs;
    if (left > this.options.clock()) this.fullAt.set(client, left);
    else this.fullAt.delete(client);
  }
}

/** The client a budget is kept for: its address, IPv6 by /64 (one customer's whole network). */
export function clientKey(ip: string | undefined): string {
  return ip ? ipKeyGenerator(ip, 64) : 'unknown';
}

export function rateLimited(waitMs: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(429, 'rate_limited', 'Too many attempts; wait a moment and try again.', { retryAfter });
}
