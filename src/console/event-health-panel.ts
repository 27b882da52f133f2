import { can } from './access.js';
import { api } from './api.js';
import { h } from './dom.js';
import { eventPreview } from './event-preview.js';
import { attempt, notify } from './notice.js';

/** Null figures show as a dash; units beside their numbers. */
const or = (value: unknown, unit = '') => (value === null || value === undefined ? '—' : `${value}${unit}`);

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const m = Math.floor(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

/**
 * The event page's live stream panel: health figures and warnings (from the ingest, through
 * GET …/health), the preview, and the rehearsal controls. Mounted by event-view.ts, refreshed
 * with it; the figures themselves change every 5 s at the ingest.
 */
export function eventHealthPanel(eventId: string) {
  const path = `/api/admin/events/${encodeURIComponent(eventId)}`;
  const summary = h('p', { class: 'health-state', role: 'status' });
  const warnings = h('ul', { class: 'health-warnings', 'aria-label': 'Stream warnings' });
  const figures = h('dl', { class: 'health-figures' });
  const goLive = h('button', { type: 'button', hidden: true }, 'Go live now');
  goLive.addEventListener('click', () => {
    if (!confirm('Start the event now? Viewers with codes can watch at once.')) return;
    void attempt(async () => {
      await api('POST', `${path}/go-live`);
      notify('The event starts now: viewers can watch within a few seconds.');
      await refresh();
    });
  });
  const reset = h('button', { type: 'button', class: 'danger' }, 'Reset recording');
  reset.addEventListener('click', () => {
    if (!confirm('Delete what was recorded so far (e.g. the rehearsal)? Viewers can no longer rewatch it.')) return;
    void attempt(async () => {
      const result = await api<{ files: number }>('POST', `${path}/reset-recording`);
      notify(`Recording reset: ${result.files} files deleted.`);
      await refresh();
    });
  });
  reset.hidden = !can('events:write');
  const preview = eventPreview(eventId);
  const health = h('section', { class: 'card', 'aria-label': 'Stream health' },
    h('h2', {}, 'Stream health'), summary, warnings, figures, h('div', { class: 'buttons' }, goLive, reset));
  const element = h('div', { class: 'grid' }, health, preview.element);

  async function refresh(): Promise<void> {
    const x = await api('GET', `${path}/health`);
    const f = x.figures;
    summary.textContent =
      x.state === 'publishing' ? (x.rehearsal ? 'Rehearsal: streaming, viewers wait for the start.' : 'Streaming.') :
      x.state === 'stale' ? 'The ingest stopped reporting.' : 'No publisher.';
    warnings.replaceChildren(...x.warnings.map((w: { code: string; message: string }) => h('li', { class: `warning warning-${w.code}` }, w.message)));
    goLive.hidden = !x.rehearsal || !can('events:write');
    const p = x.publisher;
    const rows: [string, string][] = p
      ? [
          ['Publisher', `${or(p.address)}${p.leftAt ? ' (left)' : ''}`],
          ['Connected for', duration(p.connectedSeconds)],
          ['Reconnects', String(p.reconnects)],
          ['Video', f.videoCodec ? `${f.videoCodec} ${f.width && f.height ? `${f.width}×${f.height}` : ''} ${or(f.frameRate, ' fps')}` : 'none'],
          ['Audio', f.audioCodec ?? 'none'],
          ['Keyframe interval', `${or(f.keyframeIntervalSeconds, ' s')} (segments ${or(x.segmentSeconds, ' s')})`],
          ['Bitrate in', or(f.bitrateInKbps, ' kbit/s')],
          ['Bitrate out', or(f.bitrateOutKbps, ' kbit/s')],
          ['FFmpeg speed', f.speed === null ? '—' : `${f.speed.toFixed(2)}×`],
          ['Dropped frames', or(f.droppedFrames)],
        ]
      : [];
    figures.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }
  return { element, refresh, stop: preview.stop };
}
