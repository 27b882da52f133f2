import { api } from './api.js';
import { field, h, table, when } from './dom.js';
import { attempt, notify } from './notice.js';
import type { View } from './view.js';

// The platform's list (core/webhooks/webhook-events.ts); it refuses anything else.
const EVENT_TYPES = ['event.live', 'event.ended', 'code.redeemed', 'code.revoked', 'session.started', 'session.ended'];

/** Webhooks: add (the secret is shown once, here), remove, and the delivery log. */
export function webhooksView(root: HTMLElement): View {
  const list = h('div', {});
  const log = h('div', {});
  const shown = h('div', {});
  const url = h('input', { id: 'webhook-url', type: 'url', required: true, maxlength: 2000, placeholder: 'https://shop.example/streamgate' });
  const boxes = EVENT_TYPES.map((type) => h('input', { type: 'checkbox', id: `webhook-event-${type}`, value: type }));
  const form = h('form', { class: 'card', 'aria-label': 'New webhook' },
    h('h2', {}, 'New webhook'),
    field('URL (http or https)', url),
    h('fieldset', { class: 'buttons' }, h('legend', {}, 'Events'),
      ...boxes.map((box) => h('label', { for: box.id }, box, ` ${box.value}`))),
    h('button', { type: 'submit' }, 'Add webhook'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      const events = boxes.filter((box) => box.checked).map((box) => box.value);
      const created = await api('POST', '/api/admin/webhooks', { url: url.value, events });
      shown.replaceChildren(h('div', { class: 'card secret' },
        h('p', {}, 'Give this signing secret to the receiver now; it is not shown again:'),
        h('code', { class: 'api-key webhook-secret' }, created.secret)));
      notify(`Webhook for ${created.url} added.`);
      form.reset();
      await refresh();
    });
  });
  root.replaceChildren(h('h1', {}, 'Webhooks'), shown, list, form, h('h2', {}, 'Deliveries'), log);

  async function refresh() {
    const [hooks, deliveries] = await Promise.all([
      api<any[]>('GET', '/api/admin/webhooks'),
      api<any[]>('GET', '/api/admin/webhook-deliveries?limit=50'),
    ]);
    const urlOf = new Map(hooks.map((w) => [w.id, w.url]));
    list.replaceChildren(table(['URL', 'Events', 'Added', ''], hooks.map((w) => {
      const remove = h('button', { type: 'button', class: 'danger' }, 'Remove');
      remove.addEventListener('click', () => void attempt(async () => {
        if (!window.confirm(`Remove the webhook for ${w.url}? Its pending deliveries and its log go with it.`)) return;
        await api('DELETE', `/api/admin/webhooks/${encodeURIComponent(w.id)}`);
        notify(`Webhook for ${w.url} removed.`);
        await refresh();
      }));
      return [w.url, w.events.join(', '), when(w.createdAt), remove];
    }), 'No webhooks yet.'));
    log.replaceChildren(table(['Event', 'Receiver', 'Status', 'Attempts', 'Response', 'Last error', 'Happened', 'Next attempt'], deliveries.map((d) => [
      d.type, urlOf.get(d.webhookId) ?? d.webhookId, h('span', { class: `badge badge-${d.status}` }, d.status), d.attempts,
      d.responseStatus ?? '—', d.lastError ?? '—', when(d.createdAt), d.nextAttemptAt ? when(d.nextAttemptAt) : '—',
    ]), 'No deliveries yet.'));
  }
  return { refresh };
}
