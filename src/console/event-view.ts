import { can } from './access.js';
import { api, apiText } from './api.js';
import { copyInputValue, download, field, fromLocalInput, h, localTimeLabel, statusBadge, table, toLocalInput, when } from './dom.js';
import { codeListCard } from './code-list-view.js';
import { codeLookupCard } from './code-lookup-view.js';
import { eventHealthPanel } from './event-health-panel.js';
import { eventBrandingPanel } from './event-branding-panel.js';
import { attempt, notify } from './notice.js';
import type { View } from './view.js';
import { viewersChart } from './viewers-chart.js';
import { devicePolicyField, devicesField } from './device-seat-fields.js';
import { eventPublicCard } from './event-public-card.js';

/** One event: settings, RTMP details for OBS, codes (generate, list, revoke, restore) and viewers. */
export function eventView(root: HTMLElement, eventId: string): View {
  const path = `/api/admin/events/${encodeURIComponent(eventId)}`;
  const heading = h('h1', {}, eventId);
  const status = h('span', {});
  const viewers = h('p', { class: 'viewers-now' });
  const chart = viewersChart(eventId);
  const health = eventHealthPanel(eventId);
  const branding = eventBrandingPanel(eventId, () => refresh());
  const publicPlayback = eventPublicCard(eventId, () => refresh());

  // Settings: filled once, so a refresh never overwrites what is being typed.
  const title = h('input', { id: 'ev-title', name: 'title', required: true, maxlength: 200 });
  const starts = h('input', { id: 'ev-starts', type: 'datetime-local' });
  const ends = h('input', { id: 'ev-ends', type: 'datetime-local' });
  const rewatch = h('input', { id: 'ev-rewatch', type: 'number', min: 0, max: 87600 });
  const ladder = h('input', { id: 'ev-ladder', placeholder: 'copy or 720p,480p,360p' });
  const devicePolicy = devicePolicyField('ev-device-policy');
  const settings = h('form', { class: 'card', 'aria-label': 'Event settings' },
    h('h2', {}, 'Settings'),
    field('Title', title), field(localTimeLabel('Starts'), starts), field(localTimeLabel('Ends'), ends),
    field('Rewatch window (hours after the end)', rewatch), field('Live output', ladder),
    devicePolicy.element,
    h('button', { type: 'submit' }, 'Save'));
  settings.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      await api('PATCH', path, { title: title.value, startsAt: fromLocalInput(starts.value), endsAt: fromLocalInput(ends.value), rewatchHours: Number(rewatch.value), ladder: ladder.value, devicePolicy: devicePolicy.select.value });
      notify('Saved.');
      await refresh();
    });
  });

  // Streaming: the server URL is shareable; the key is hidden until asked for.
  const rtmpUrl = h('input', { id: 'ev-rtmp', readonly: true });
  const streamKey = h('input', { id: 'ev-key', type: 'password', readonly: true, autocomplete: 'off' });
  const reveal = h('button', { type: 'button', class: 'secondary' }, 'Reveal');
  reveal.addEventListener('click', () => {
    streamKey.type = streamKey.type === 'password' ? 'text' : 'password';
    reveal.textContent = streamKey.type === 'password' ? 'Reveal' : 'Hide';
  });
  const copyKey = h('button', { type: 'button', class: 'secondary' }, 'Copy key');
  copyKey.addEventListener('click', () => void attempt(async () => {
    await copyInputValue(streamKey);
    notify('Stream key copied.');
  }));
  const rotate = h('button', { type: 'button', class: 'danger' }, 'Rotate key');
  rotate.addEventListener('click', () => {
    if (!confirm('A new stream key: the old one stops working for the next publish. Continue?')) return;
    void attempt(async () => {
      const event = await api('POST', `${path}/rotate-key`);
      streamKey.value = event.streamKey ?? '';
      notify('New stream key set. Update OBS before the next broadcast.');
    });
  });
  const streaming = h('section', { class: 'card', 'aria-label': 'Streaming' },
    h('h2', {}, 'Streaming (OBS)'),
    field('Server', rtmpUrl),
    field('Stream key', streamKey),
    h('div', { class: 'buttons' }, reveal, copyKey, rotate),
    h('p', { class: 'hint' }, 'OBS: Settings → Stream → Service "Custom…", paste the server and the key. Output: keyframe interval 2 s, AAC audio.'));

  // Codes: generated as a CSV download, shown this once.
  const count = h('input', { id: 'gen-count', type: 'number', min: 1, max: 100000, value: 50, required: true });
  const label = h('input', { id: 'gen-label', maxlength: 64 });
  const expiresIn = h('input', { id: 'gen-expires', placeholder: 'e.g. 30d (default: event end + rewatch)' });
  const devices = devicesField('gen-devices');
  const generate = h('form', { class: 'card', 'aria-label': 'Generate codes' },
    h('h2', {}, 'Generate codes'),
    field('How many', count), field('Label (optional)', label), field('Expires in (optional)', expiresIn), devices.element,
    h('button', { type: 'submit' }, 'Generate and download CSV'),
    h('p', { class: 'hint' }, 'The codes exist only in this download: StreamGate keeps just a keyed hash of each.'));
  generate.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      const csv = await apiText('POST', `${path}/tokens`, { count: Number(count.value), label: label.value || undefined, expiresIn: expiresIn.value || undefined, devices: devices.value() }, 'text/csv');
      download(`codes-${eventId}.csv`, csv, 'text/csv');
      notify(`${csv.trim().split('\n').length - 1} codes generated and downloaded. Keep the file safe: they cannot be shown again.`);
      await refresh();
    });
  });

  const codeList = codeListCard(eventId, () => refresh());
  const lookup = codeLookupCard();
  const byLabel = h('input', { id: 'revoke-label', maxlength: 64 });
  const revokeLabel = h('button', { type: 'button', class: 'danger' }, 'Revoke label');
  revokeLabel.addEventListener('click', () => {
    if (!byLabel.value || !confirm(`Revoke every code labelled "${byLabel.value}"?`)) return;
    void attempt(async () => report(await api('POST', '/api/admin/tokens/revoke', { eventId, label: byLabel.value })));
  });
  const pasted = h('textarea', { id: 'revoke-codes', rows: 3, placeholder: 'One code per line' });
  const revokePasted = h('button', { type: 'button', class: 'danger' }, 'Revoke these codes');
  revokePasted.addEventListener('click', () => void attempt(async () => {
    const codes = pasted.value.split(/[\s,;]+/).filter(Boolean);
    if (codes.length === 0) return;
    await report(await api('POST', '/api/admin/tokens/revoke', { eventId, codes }));
    pasted.value = '';
  }));
  const codesSection = h('section', { class: 'card', 'aria-label': 'Codes' },
    h('h2', {}, 'Codes'),
    codeList.element,
    h('div', { class: 'inline' }, field('Revoke by label', byLabel), revokeLabel),
    field('Revoke a list of codes', pasted), revokePasted);

  const sessions = h('div', {});
  const archive = h('button', { type: 'button', class: 'danger' }, 'Archive event');
  archive.addEventListener('click', () => {
    if (!confirm('Archive: every code of this event stops working, for good. Continue?')) return;
    void attempt(async () => {
      await api('POST', `${path}/archive`);
      notify('Event archived.');
      await refresh();
    });
  });

  // Settings, the stream key, the watch page, new codes and archiving change the event: shown
  // only to a role that may (the server refuses the others anyway). Support keeps the codes.
  const writer = can('events:write');
  const support = can('codes:support');
  if (!support) for (const part of [byLabel, revokeLabel, pasted, revokePasted]) (part.closest('.field, .inline') ?? part).remove();
  const parts: (HTMLElement | false)[] = [
    h('p', {}, h('a', { href: '#/' }, '← Events')),
    h('header', { class: 'page-head' }, heading, status), viewers,
    health.element, chart.element,
    writer && h('div', { class: 'grid' }, settings, streaming),
    writer && publicPlayback.element,
    writer && branding.element,
    support && lookup.element, writer && generate, codesSection,
    h('section', { class: 'card', 'aria-label': 'Watching now' }, h('h2', {}, 'Watching now'), sessions),
    writer && archive,
  ];
  root.replaceChildren(...parts.filter((part): part is HTMLElement => part !== false));

  async function report(result: { revoked: number; alreadyRevoked: number; notFound: string[] }) {
    notify(`Revoked ${result.revoked}; ${result.alreadyRevoked} already revoked${result.notFound.length ? `; not found: ${result.notFound.join(', ')}` : ''}.`);
    await refresh();
  }

  let filled = false;
  async function refresh() {
    const event = await api('GET', path);
    heading.textContent = event.title;
    status.replaceChildren(statusBadge(event.status));
    viewers.textContent = `${event.stats.viewersNow} watching now · ${event.stats.codes.active} unused · ${event.stats.codes.used} used · ${event.stats.codes.revoked} revoked`;
    rtmpUrl.value = event.rtmpUrl;
    if (writer) branding.fill(event.branding);
    if (writer) publicPlayback.fill(event.public === true);
    streamKey.value = event.streamKey;
    if (!filled && writer) {
      filled = true;
      title.value = event.title;
      starts.value = toLocalInput(event.startsAt);
      ends.value = toLocalInput(event.endsAt);
      rewatch.value = String(event.rewatchHours);
      ladder.value = event.ladder;
      devicePolicy.select.value = event.devicePolicy;
    }
    await health.refresh();
    await codeList.refresh();
    await lookup.refresh();
    await chart.refresh();
    const live = await api<any[]>('GET', `/api/admin/sessions?eventId=${encodeURIComponent(eventId)}`);
    sessions.replaceChildren(sessionTable(live, refresh));
  }
  return { refresh };
}

/** Live sessions with an End button each; shared with the sessions page. */
export function sessionTable(sessions: any[], after: () => Promise<void>): HTMLElement {
  return table(['Event', 'Label', 'Browser', 'Address', 'Started', 'Last heartbeat', ''], sessions.map((s) => {
    const end = h('button', { type: 'button', class: 'danger' }, 'End');
    end.addEventListener('click', () => void attempt(async () => {
      await api('DELETE', `/api/admin/sessions/${encodeURIComponent(s.id)}`);
      notify('Session ended: that player stops within a second.');
      await after();
    }));
    const browser = h('span', { title: `${s.userAgent ?? ''}\ndevice ${s.deviceId}` }, s.browser ?? 'unknown');
    return [s.eventId, s.codeId === null ? 'anonymous (public)' : (s.label ?? '—'), browser, s.clientIp ?? '', when(s.startedAt), when(s.lastSeenAt), end];
  }), 'Nobody is watching right now.');
}
