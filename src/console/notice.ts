import { ApiError } from './api.js';

const box = () => document.getElementById('notice')!;

/** One line at the top: what just happened, or what went wrong (read out by screen readers). */
export function notify(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const element = box();
  element.textContent = text;
  element.className = `notice notice-${kind}`;
  element.hidden = false;
  element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

export function clearNotice(): void {
  box().hidden = true;
}

/** Runs an action; an API error becomes the notice instead of an unhandled rejection. */
export async function attempt(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    notify(error instanceof ApiError ? error.message : String(error), 'error');
  }
}
