import { ipKeyGenerator } from 'express-rate-limit';
import { AppError } from '../../core/errors.js';

export interface FailureBudgetOptions {
  /** Failures a client may make at once, with a full budget. */
  burst: number;
  /** How fast spent failures come back. */
  refillPerMinute: number;
  clock: () => number;
  /** Clients remembered at most; the least recently failing one is forgotten first. */
  maxClients?: number;
}

/**
 * A token bucket of failed attempts per client. Unlike a fixed window it never bans: a client
 * that used its budget gets one more attempt every 60/refillPerMinute seconds, and the wait it is
 * told is exactly the time until then. Only the callers decide what counts as a failure; a
 * refusal by this budget is not itself one.
 */
export class FailureBudget {
  private readonly clients = new Map<string, { tokens: number; at: number }>();
  private readonly msPerToken: number;

  constructor(private readonly options: FailureBudgetOptions) {
    if (!(options.burst >= 1) || !(options.refillPerMinute > 0)) throw new Error('FailureBudget: burst ≥ 1 and refillPerMinute > 0');
    this.msPerToken = 60_000 / options.refillPerMinute;
  }

  /** Milliseconds until `client` may fail again; 0 while it has budget left. */
  waitMs(client: string): number {
    const tokens = this.tokensOf(client);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * this.msPerToken);
  }

  /** Records one failure; false (and nothing recorded) when the budget was already spent. */
  spend(client: string): boolean {
    const tokens = this.tokensOf(client);
    if (tokens < 1) return false;
    this.clients.delete(client); // re-insert: Map order is the least-recently-failing order
    this.clients.set(client, { tokens: tokens - 1, at: this.options.clock() });
    const max = this.options.maxClients ?? 100_000;
    if (this.clients.size > max) this.clients.delete(this.clients.keys().next().value!);
    return true;
  }

  private tokensOf(client: string): number {
    const entry = this.clients.get(client);
    if (!entry) return this.options.burst;
    const refilled = entry.tokens + (this.options.clock() - entry.at) / this.msPerToken;
    return Math.min(this.options.burst, refilled);
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
