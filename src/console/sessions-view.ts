import { api } from './api.js';
import { h } from './dom.js';
import { sessionTable } from './event-view.js';
import type { View } from './view.js';

/** Everyone watching now, across events. */
export function sessionsView(root: HTMLElement): View {
  const list = h('div', {});
  root.replaceChildren(h('h1', {}, 'Watching now'), list);
  const refresh = async () => list.replaceChildren(sessionTable(await api<any[]>('GET', '/api/admin/sessions'), refresh));
  return { refresh };
}
