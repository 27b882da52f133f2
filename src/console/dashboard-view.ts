import { can, limitedToEvents } from './access.js';
import { api } from './api.js';
import { field, fromLocalInput, h, localTimeLabel, statusBadge, table } from './dom.js';
import { attempt, notify } from './notice.js';
import type { View } from './view.js';
import { dashboardCharts } from './viewers-chart.js';
import { devicePolicyField } from './device-seat-fields.js';

/** Every event with its state right now, and a form for a new one. */
export function dashboardView(root: HTMLElement): View {
  const list = h('div', {});
  const form = h('form', { class: 'card inline-form', 'aria-label': 'New event' },
    h('h2', {}, 'New event'),
    field('Title', h('input', { id: 'new-title', name: 'title', required: true, maxlength: 200 })),
    field('Id (optional)', h('input', { id: 'new-id', name: 'id', pattern: '[a-z0-9][a-z0-9-]*', maxlength: 63 })),
    field(localTimeLabel('Starts'), h('input', { id: 'new-starts', name: 'startsAt', type: 'datetime-local' })),
    field(localTimeLabel('Ends'), h('input', { id: 'new-ends', name: 'endsAt', type: 'datetime-local' })),
    devicePolicyField('new-device-policy').element,
    h('button', { type: 'submit' }, 'Create event'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void attempt(async () => {
      const data = new FormData(form);
      const created = await api('POST', '/api/admin/events', {
        title: String(data.get('title') ?? ''),
        id: String(data.get('id') ?? '') || undefined,
        startsAt: fromLocalInput(String(data.get('startsAt') ?? '')),
        endsAt: fromLocalInput(String(data.get('endsAt') ?? '')),
        devicePolicy: String(data.get('devicePolicy') ?? 'block'),
      });
      notify(`Event "${created.title}" created.`);
      location.hash = `#/events/${created.id}`;
    });
  });
  const charts = dashboardCharts();
  // A new event is about every event: not for a user limited to some, nor one who may not write.
  const mayCreate = can('events:write') && !limitedToEvents();
  root.replaceChildren(h('h1', {}, 'Events'), list, charts.element, ...(mayCreate ? [form] : []));

  const refresh = async () => {
    const events = await api<any[]>('GET', '/api/admin/events');
    list.replaceChildren(table(
      ['Event', 'Status', 'Watching now', 'Codes unused', 'Codes used', 'Codes revoked'],
      events.map((e) => [
        h('a', { href: `#/events/${e.id}` }, e.title, h('small', {}, ` ${e.id}`)),
        statusBadge(e.status),
        h('span', { class: 'viewers' }, e.stats.viewersNow),
        e.stats.codes.active,
        e.stats.codes.used,
        e.stats.codes.revoked,
      ]),
      'No events yet: create the first one below.',
    ));
    await charts.update(events);
  };
  return { refresh };
}
