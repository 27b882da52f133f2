import { MESSAGES } from './messages';

/**
 * The player's side of seats per code (issue 14): a viewer whose seat another device took is told
 * so at once, and a viewer refused for want of a seat retries by itself once, then gets a button.
 */

interface Refusal {
  code?: string;
  message?: string;
  reason?: string;
}

/** What to tell a viewer whose playback the platform refused (heartbeat, watch). */
export function refusalText(error: Refusal | undefined): string {
  if (error?.code === 'session_ended' && error.reason === 'taken_over') return MESSAGES.taken_over!;
  return (error?.code && MESSAGES[error.code]) || MESSAGES.unauthorized!;
}

/** After a network failure, the watch asks again this soon. */
const WATCH_RETRY_MS = 2_000;

/**
 * Holds `POST /api/sessions/watch` open while the session plays (a take-over event): the platform
 * answers the moment the session ends, so playback stops within moments of another device taking
 * the seat, even with the buffer full and no request due at the edge. Returns a stop function.
 */
export function watchSession(session: () => { sessionId: string; token: string } | null, onRefused: (error: Refusal) => void): () => void {
  const abort = new AbortController();
  void (async () => {
    while (!abort.signal.aborted) {
      const current = session();
      if (!current) return;
      try {
        const response = await fetch('/api/sessions/watch', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${current.token}` },
          body: JSON.stringify({ sessionId: current.sessionId }),
          signal: abort.signal,
        });
        if (response.status === 204) continue;
        if (response.status === 409 || response.status === 403 || response.status === 404) {
          const json = await response.json().catch(() => null);
          if (!abort.signal.aborted) onRefused(json?.error ?? {});
          return;
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      // A restart, a proxy timeout, a token renewed meanwhile (401): the heartbeat still guards playback.
      await new Promise((resolve) => window.setTimeout(resolve, WATCH_RETRY_MS));
    }
  })();
  return () => abort.abort();
}

let tryAgain: HTMLButtonElement | null = null;

/** A "Try again" button under the message, for a viewer still refused after the automatic retry. */
export function offerTryAgain(message: HTMLElement, retry: () => void): void {
  removeTryAgain();
  tryAgain = document.createElement('button');
  tryAgain.type = 'button';
  tryAgain.id = 'try-again';
  tryAgain.textContent = MESSAGES.try_again!;
  tryAgain.addEventListener('click', () => {
    removeTryAgain();
    retry();
  });
  message.after(tryAgain);
}

export function removeTryAgain(): void {
  tryAgain?.remove();
  tryAgain = null;
}
