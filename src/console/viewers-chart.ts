import { api } from './api.js';
import { h } from './dom.js';

// Viewers over time, drawn as SVG by hand: a line and its area, three gridlines and the times at
// both ends. No charting library: the console loads nothing it does not need.

interface Point {
  at: string;
  viewers: number;
}

interface Stats {
  viewersNow: number;
  peakViewers: number;
  peakAt: string | null;
  uniqueCodes: number;
  sessions: { total: number; watchSeconds: number };
  bytesDelivered: number | null;
  series: { resolution: 'minute' | 'hour'; points: Point[] };
}

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 160;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };
const STEP_MS = { minute: 60_000, hour: 3_600_000 };
const MIN_SPAN_MS = 10 * 60_000;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * The points to draw: the stored samples, zero where a gap of more than two periods has no
 * samples (nobody watched a rewatch then, or the sampler was stopped), and the count right now.
 */
export function chartPoints(points: Point[], step: number, now: number, viewersNow: number): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = [];
  for (const p of points) {
    const t = Date.parse(p.at);
    const last = out.at(-1);
    if (last && t - last.t > 2 * step) out.push({ t: last.t + step, v: 0 }, { t: t - step, v: 0 });
    out.push({ t, v: p.viewers });
  }
  const last = out.at(-1);
  if (last && now - last.t > 2 * step) out.push({ t: last.t + step, v: 0 });
  out.push({ t: now, v: viewersNow });
  return out;
}

function timeLabel(ms: number, withDate: boolean): string {
  return new Date(ms).toLocaleString(undefined, withDate ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
}

function draw(stats: Stats, now: number): SVGSVGElement {
  const points = chartPoints(stats.series.points, STEP_MS[stats.series.resolution], now, stats.viewersNow);
  // At least the last 10 minutes, so a young event's first samples do not fill the width.
  const t0 = Math.min(points[0]!.t, now - MIN_SPAN_MS);
  const t1 = now;
  const top = Math.max(1, ...points.map((p) => p.v));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const chart = svg('svg', {
    class: 'viewers-chart',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `Viewers over time: ${stats.viewersNow} now, peak ${stats.peakViewers}`,
    'data-points': points.length,
  });
  // Gridlines at 0, the top and (when it falls on a whole number of its own) the middle.
  for (const v of top >= 4 ? [0, Math.round(top / 2), top] : [0, top]) {
    chart.append(svg('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }));
    chart.append(svg('text', { class: 'axis', x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  const base = y(0).toFixed(1);
  chart.append(svg('path', { class: 'area', d: `${line}L${x(points.at(-1)!.t).toFixed(1)},${base}L${x(points[0]!.t).toFixed(1)},${base}Z` }));
  chart.append(svg('path', { class: 'line', d: line }));
  // Now, marked: a young event's line is only a few pixels long.
  chart.append(svg('circle', { class: 'now', cx: x(now).toFixed(1), cy: y(stats.viewersNow).toFixed(1), r: 3.5 }));
  const longSpan = t1 - t0 > 20 * 3_600_000;
  chart.append(svg('text', { class: 'axis', x: PAD.left, y: HEIGHT - 4, 'text-anchor': 'start' }, timeLabel(t0, longSpan)));
  chart.append(svg('text', { class: 'axis', x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' }, 'now'));
  return chart;
}

function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function summary(stats: Stats): string {
  const parts = [
    `Now ${stats.viewersNow}`,
    `Peak ${stats.peakViewers}${stats.peakAt ? ` at ${timeLabel(Date.parse(stats.peakAt), false)}` : ''}`,
    `${stats.sessions.total} sessions`,
    `${stats.uniqueCodes} codes used`,
    stats.sessions.watchSeconds < 3600 ? `${Math.round(stats.sessions.watchSeconds / 60)} min watched` : `${(stats.sessions.watchSeconds / 3600).toFixed(1)} h watched`,
  ];
  if (stats.bytesDelivered !== null) parts.push(`${bytesText(stats.bytesDelivered)} delivered`);
  return parts.join(' · ');
}

/**
 * A card with the event's viewers over time and its analytics in one line; `refresh` reloads
 * them (`GET /api/admin/events/:id/stats`). `from`: how far back to draw (default: everything).
 */
export function viewersChart(eventId: string, options: { title?: string; sinceMs?: number } = {}): { element: HTMLElement; refresh(): Promise<void> } {
  const figure = h('div', { class: 'chart-wrap' });
  const caption = h('p', { class: 'chart-summary' });
  const element = h('section', { class: 'card', 'aria-label': options.title ?? 'Viewers over time' }, h('h2', {}, options.title ?? 'Viewers over time'), figure, caption);
  const path = `/api/admin/events/${encodeURIComponent(eventId)}/stats`;
  return {
    element,
    async refresh() {
      const query = options.sinceMs ? `?from=${encodeURIComponent(new Date(Date.now() - options.sinceMs).toISOString())}` : '';
      const stats = await api<Stats & { at: string }>('GET', `${path}${query}`);
      figure.replaceChildren(draw(stats, Date.parse(stats.at)));
      caption.textContent = summary(stats);
    },
  };
}

/** How many events the dashboard draws at once, and how far back. */
const DASHBOARD_CHARTS = 4;
const DASHBOARD_SPAN_MS = 3 * 3_600_000;

/**
 * The dashboard's charts: one for each event that is live or has viewers (the last 3 hours),
 * at most four. `update` takes the dashboard's event list and refreshes them.
 */
export function dashboardCharts(): { element: HTMLElement; update(events: { id: string; title: string; status: string; stats: { viewersNow: number } }[]): Promise<void> } {
  const element = h('div', { class: 'dashboard-charts' });
  const charts = new Map<string, ReturnType<typeof viewersChart>>();
  return {
    element,
    async update(events) {
      const shown = events.filter((e) => e.status === 'live' || e.stats.viewersNow > 0).slice(0, DASHBOARD_CHARTS);
      for (const id of charts.keys()) if (!shown.some((e) => e.id === id)) charts.delete(id);
      for (const e of shown) if (!charts.has(e.id)) charts.set(e.id, viewersChart(e.id, { title: `Viewers: ${e.title}`, sinceMs: DASHBOARD_SPAN_MS }));
      element.replaceChildren(...shown.map((e) => charts.get(e.id)!.element));
      await Promise.all(shown.map((e) => charts.get(e.id)!.refresh()));
    },
  };
}
