import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';
import type { Log } from '../core/log.js';
import type { Keyring } from '../core/secret-store.js';
import { claimDueDeliveries, pruneDeliveries, recordAttempts, type AttemptResult, type ClaimedDelivery } from '../core/webhooks/webhook-deliveries.js';
import { webhookTargets } from '../core/webhooks/webhook-registry.js';
import { SIGNATURE_HEADER, signatureHeader } from '../core/webhooks/webhook-signature.js';

export interface DelivererOptions {
  db: Db;
  keyring: Pick<Keyring, 'pepper'>;
  clock: Clock;
  log: Log;
  /** How often the outbox is looked at when idle (a read on the reading connection). */
  pollMs?: number;
  /** Deliveries claimed, and sent in parallel, at a time. */
  batch?: number;
  /** How long a claim lasts: longer than a send can take, so a live deliverer keeps its rows. */
  leaseMs?: number;
  timeoutMs?: number;
  pruneEveryMs?: number;
}

/**
 * Sends the outbox (core/webhooks): every platform replica runs one; leases keep them from sending
 * the same delivery twice, and a delivery whose deliverer died goes out once its lease ends.
 */
export class WebhookDeliverer {
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly pruneEveryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastPrune = 0;
  /** Stopping cuts sends short rather than waiting for slow receivers; they are retried later. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: DelivererOptions) {
    this.pollMs = options.pollMs ?? 1_000;
    this.batch = options.batch ?? 20;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pruneEveryMs = options.pruneEveryMs ?? 600_000;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopping.abort();
    await this.running;
  }

  /** Claims and sends due deliveries until none is left; returns how many were attempted. */
  async runOnce(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimed = await claimDueDeliveries(this.options.db, this.options.clock(), this.batch, this.leaseMs);
      if (claimed.length === 0) break;
      attempted += claimed.length;
      await this.send(claimed);
      if (claimed.length < this.batch || this.stopped) break;
    }
    const now = this.options.clock();
    if (now - this.lastPrune >= this.pruneEveryMs) {
      this.lastPrune = now;
      await pruneDeliveries(this.options.db, now);
    }
    return attempted;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error) => this.options.log.warn('webhook delivery round failed', { error: (error as Error).message }))
        .finally(() => this.schedule(this.pollMs));
    }, delayMs);
  }

  private async send(claimed: ClaimedDelivery[]): Promise<void> {
    const targets = await webhookTargets(this.options.db, this.options.keyring, claimed.map((d) => d.webhookId));
    const results = await Promise.all(
      claimed.filter((d) => targets.has(d.webhookId)).map((d) => this.attempt(d, targets.get(d.webhookId)!)),
    );
    await recordAttempts(this.options.db, this.options.clock(), results);
  }

  private async attempt(delivery: ClaimedDelivery, target: { url: string; secret: string }): Promise<AttemptResult> {
    const outcome = { id: delivery.id, createdAt: delivery.createdAt, attempts: delivery.attempts };
    // The same bytes on every attempt: built from the stored row, in a fixed key order.
    const body = JSON.stringify({ id: delivery.id, type: delivery.type, createdAt: new Date(delivery.createdAt).toISOString(), data: JSON.parse(delivery.data) });
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'StreamGate-Webhooks/1',
          'streamgate-delivery': delivery.id,
          'streamgate-event': delivery.type,
          [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(target.secret, body, Math.floor(this.options.clock() / 1000)),
        },
        body,
        // A redirect is an answer, not a place to send the body on to.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]),
      });
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return { ...outcome, ok, responseStatus: response.status, error: ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      return { ...outcome, ok: false, responseStatus: null, error: describeFetchError(error, this.timeoutMs) };
    }
  }
}

/** One line for the delivery log: what went wrong, never a secret (the URL is the operator's own). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (e.name === 'AbortError') return 'cut short: the platform was stopping';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `connection failed: ${cause}` : `request failed: ${e.message ?? String(error)}`;
}
