import { api } from './api.js';
import { h } from './dom.js';
import { attempt, notify } from './notice.js';

/**
 * "Public playback" on an event's page: whether its watch page plays without a code, and one
 * button to switch. Turning it off stops every anonymous viewer within a second, so it asks first.
 */
export function eventPublicCard(eventId: string, after: () => Promise<void>): { element: HTMLElement; fill(isPublic: boolean): void } {
  const path = `/api/admin/events/${encodeURIComponent(eventId)}`;
  const state = h('p', { id: 'ev-public-state' });
  const toggle = h('button', { id: 'ev-public-toggle', type: 'button', 'aria-pressed': 'false' });
  let current = false;
  toggle.addEventListener('click', () => {
    const next = !current;
    if (!next && !confirm('Require a code again: every viewer watching without one stops within a second. Continue?')) return;
    void attempt(async () => {
      await api('PATCH', path, { public: next });
      notify(next ? 'Public: the watch page plays without a code.' : 'A code is needed again; anonymous viewers stopped.');
      await after();
    });
  });
  const element = h('section', { class: 'card', 'aria-label': 'Public playback' },
    h('h2', {}, 'Public playback'),
    state,
    toggle,
    h('p', { class: 'hint' }, `For a trailer or a free session: /watch/${eventId} plays for anyone with the link, without a code. Codes keep working.`));
  return {
    element,
    fill(isPublic: boolean) {
      current = isPublic;
      state.textContent = isPublic ? 'Public: plays without a code.' : 'Private: viewers need a code.';
      toggle.textContent = isPublic ? 'Require a code' : 'Make public';
      toggle.className = isPublic ? 'danger' : 'secondary';
      toggle.setAttribute('aria-pressed', String(isPublic));
    },
  };
}
