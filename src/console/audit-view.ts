import { api } from './api.js';
import { h, table, when } from './dom.js';
import { attempt } from './notice.js';
import type { View } from './view.js';

/** Who changed what, when, from where; newest first, older pages on demand. */
export function auditView(root: HTMLElement): View {
  const list = h('div', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older entries');
  let rows: any[] = [];
  let next: number | null = null;
  const render = () => list.replaceChildren(table(['When', 'Who', 'What', 'Target', 'From', 'Details'], rows.map((e) => [
    when(e.at), e.role ? `${e.actor} (${e.role})` : e.actor, e.action, e.target ?? '', e.ip ?? '', e.details ? h('code', {}, JSON.stringify(e.details)) : '',
  ])));
  more.addEventListener('click', () => void attempt(async () => {
    const page = await api('GET', `/api/admin/audit?limit=100&before=${next}`);
    rows = rows.concat(page.entries);
    next = page.next;
    more.hidden = next === null;
    render();
  }));
  root.replaceChildren(h('h1', {}, 'Audit log'), list, more);
  // Refreshing shows the newest page again, unless older pages were opened.
  const refresh = async () => {
    if (rows.length > 100) return;
    const page = await api('GET', '/api/admin/audit?limit=100');
    rows = page.entries;
    next = page.next;
    more.hidden = next === null;
    render();
  };
  return { refresh };
}
