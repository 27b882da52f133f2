import { api, ApiError } from './api.js';
import { field, h, statusBadge, table, when } from './dom.js';
import { revokeOrRestore } from './code-list-view.js';
import { attempt, notify } from './notice.js';
import type { View } from './view.js';

/**
 * "Why does this viewer's code not work?": the operator pastes the code as the viewer sent it
 * (any case, dashes, spaces) and sees its state and its sessions, with End and Revoke/Restore.
 * The code goes to the server in a POST body only, never in the page's address.
 */
export function codeLookupCard(): { element: HTMLElement; refresh(): Promise<void> } {
  const input = h('input', { id: 'lookup-code', autocomplete: 'off', spellcheck: 'false', maxlength: 64, placeholder: 'e.g. 7K3M-Q9XB-2HCD' });
  const result = h('div', { class: 'lookup-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': 'Look up a code' },
    h('h2', {}, 'Look up a code'),
    h('div', { class: 'inline' }, field("Viewer's code", input), h('button', { type: 'submit' }, 'Look up')),
    result);
  let shown: string | null = null;

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    shown = input.value.trim() || null;
    void attempt(refresh);
  });

  async function refresh(): Promise<void> {
    if (!shown) return;
    let found: any;
    try {
      found = await api('POST', '/api/admin/codes/lookup', { code: shown });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'code_not_found')) throw error;
      result.replaceChildren(h('p', { class: 'form-error' }, error.message));
      return;
    }
    const { code, sessions } = found;
    const facts: [string, Node | string][] = [
      ['Status', statusBadge(code.status)],
      ['Event', h('a', { href: `#/events/${code.eventId}` }, found.eventTitle)],
      ['Label', code.label ?? '—'],
      ['Code id', h('code', {}, code.id)],
      ['Expires', when(code.expiresAt)],
      ['First used', when(code.firstUsedAt)],
      ['Last used', when(code.lastUsedAt)],
    ];
    if (code.revokedAt) facts.push(['Revoked', when(code.revokedAt)]);
    result.replaceChildren(
      h('dl', { class: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      h('div', { class: 'buttons' }, revokeOrRestore(code, refresh)),
      h('h3', {}, 'Sessions'),
      table(['Browser', 'Device', 'Address', 'Started', 'Last heartbeat', 'State', ''], sessions.map((s: any) => [
        h('span', { title: s.userAgent ?? '' }, s.browser ?? 'unknown'),
        h('code', {}, s.deviceId),
        s.clientIp ?? '',
        when(s.startedAt),
        when(s.lastSeenAt),
        s.active ? 'playing' : s.endedAt ? `ended (${(s.endReason ?? '').replaceAll('_', ' ')})` : 'silent',
        s.active ? endButton(s.id) : '',
      ]), 'Never used: nobody has entered this code yet.'),
    );
  }

  function endButton(sessionId: string): HTMLElement {
    const end = h('button', { type: 'button', class: 'danger' }, 'End session');
    end.addEventListener('click', () => void attempt(async () => {
      await api('DELETE', `/api/admin/sessions/${encodeURIComponent(sessionId)}`);
      notify('Session ended: that player stops within a second, and the code is free for another device.');
      await refresh();
    }));
    return end;
  }

  return { element: form, refresh };
}

/** The lookup as a page of its own (#/lookup), for the operator on the phone with a viewer. */
export function codeLookupView(root: HTMLElement): View {
  const card = codeLookupCard();
  card.element.querySelector('h2')?.remove(); // the page's own heading says it
  root.replaceChildren(h('h1', {}, 'Look up a code'), card.element);
  card.element.querySelector('input')?.focus();
  return { refresh: card.refresh };
}
