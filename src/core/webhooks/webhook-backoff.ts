/** A delivery is retried for this long after the event, then given up (`failed`). */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
const FIRST_RETRY_MS = 10_000;
const LONGEST_WAIT_MS = 3_600_000;

/**
 * How long to wait after the `attempts`-th failed attempt: 10 s, 20 s, 40 s … doubling up to an
 * hour, each scaled by a random 0.5–1.0 (jitter) so the deliveries that failed together against a
 * receiver that was down do not all come back at the same second. About 30 attempts in 24 h.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(LONGEST_WAIT_MS, FIRST_RETRY_MS * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(exponential * (0.5 + random() / 2));
}
