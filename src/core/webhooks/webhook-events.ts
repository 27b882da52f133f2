import { invalidInput } from '../errors.js';

/** What a webhook can subscribe to (docs/webhooks.md describes each one's data). */
export const WEBHOOK_EVENT_TYPES = ['event.live', 'event.ended', 'code.redeemed', 'code.revoked', 'session.started', 'session.ended'] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One occurrence to deliver: its type and its data (ids and facts, never a code or a token). */
export interface WebhookEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
}

function isEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** `event.live,code.redeemed` (or a list of them) → the types, unique, in canonical order; names `what` in errors. */
export function parseEventTypes(input: string | readonly string[], what = '--events'): WebhookEventType[] {
  const given = (typeof input === 'string' ? input.split(',') : input).map((s) => s.trim()).filter(Boolean);
  if (given.length === 0) throw invalidInput(`${what}: name at least one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  const unknown = given.filter((type) => !isEventType(type));
  if (unknown.length > 0) throw invalidInput(`${what}: unknown event type "${unknown[0]}" (one of ${WEBHOOK_EVENT_TYPES.join(', ')})`);
  return WEBHOOK_EVENT_TYPES.filter((type) => given.includes(type));
}

/** The stored form: ",a,b,", in which ",a," finds exactly the subscribers of `a`. */
export function storedEventTypes(types: readonly WebhookEventType[]): string {
  return `,${types.join(',')},`;
}

export function eventTypesOf(stored: string): WebhookEventType[] {
  return stored.split(',').filter(isEventType);
}
