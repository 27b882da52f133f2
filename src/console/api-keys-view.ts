import { api } from './api.js';
import { field, h, table, when } from './dom.js';
import { attempt, notify } from './notice.js';
import type { View } from './view.js';

/** API keys: create (the key is shown once, here), list, revoke. */
export function apiKeysView(root: HTMLElement): View {
  const list = h('div', {});
  const shown = h('div', {});
  const name = h('input', { id: 'key-name', required: true, maxlength: 100 });
  const eventId = h('input', { id: 'key-event', placeholder: 'empty: every event' });
  const allow = h('input', { id: 'key-allow', placeholder: 'e.g. 203.0.113.7, 10.0.0.0/8' });
  const form = h('form', { class: 'card', 'aria-label': 'New API key' },
    h('h2', {}, 'New API key'),
    field('Name', name),
    field('Limit to event', eventId),
    field('Allowed addresses', allow),
    h('button', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      const allowIps = allow.value.split(/[\s,]+/).filter(Boolean);
      const created = await api('POST', '/api/admin/apikeys', { name: name.value, scope: eventId.value ? 'event' : 'global', eventId: eventId.value || undefined, allowIps });
      shown.replaceChildren(h('div', { class: 'card secret' },
        h('p', {}, 'Copy this key now; it is not shown again:'),
        h('code', { class: 'api-key' }, created.key)));
      notify(`API key "${created.name}" created.`);
      await refresh();
    });
  });
  root.replaceChildren(h('h1', {}, 'API keys'), shown, list, form);

  async function refresh() {
    const keys = await api<any[]>('GET', '/api/admin/apikeys');
    list.replaceChildren(table(['Name', 'Scope', 'Allowed from', 'Created', 'Last used', ''], keys.map((k) => {
      const revoke = k.revokedAt ? h('span', {}, `revoked ${when(k.revokedAt)}`) : h('button', { type: 'button', class: 'danger' }, 'Revoke');
      if (!k.revokedAt) revoke.addEventListener('click', () => void attempt(async () => {
        await api('DELETE', `/api/admin/apikeys/${encodeURIComponent(k.id)}`);
        notify(`API key "${k.name}" revoked.`);
        await refresh();
      }));
      return [k.name, k.scope === 'event' ? `event ${k.eventId}` : 'global', k.allowIps.join(', ') || 'anywhere', when(k.createdAt), when(k.lastUsedAt), revoke];
    }), 'No API keys yet.'));
  }
  return { refresh };
}
