import { api } from './api.js';
import { field, h, statusBadge, table, when } from './dom.js';
import { attempt, notify } from './notice.js';

const PAGE_SIZE = 100;

interface CodePage {
  codes: any[];
  next: string | null;
}

/**
 * An event's codes a page at a time, filtered by status and label. Pages follow the code ids
 * (`after`), so the 10,000th page of a million codes loads as fast as the first; Previous walks
 * back through the pages seen. `changed` runs after a revoke or restore (the counts move).
 */
export function codeListCard(eventId: string, changed: () => Promise<void>): { element: HTMLElement; refresh(): Promise<void> } {
  const path = `/api/admin/events/${encodeURIComponent(eventId)}/tokens`;
  const status = h('select', { id: 'code-filter', 'aria-label': 'Show codes' },
    ...['all', 'active', 'used', 'revoked', 'expired'].map((s) => h('option', { value: s === 'all' ? '' : s }, s)));
  const label = h('input', { id: 'code-label-filter', maxlength: 64, placeholder: 'any label' });
  const list = h('div', {});
  const previous = h('button', { type: 'button', class: 'secondary' }, '← Previous');
  const next = h('button', { type: 'button', class: 'secondary' }, 'Next →');
  const position = h('span', { class: 'hint page-position' });
  // The `after` of every page shown so far: [''] is the first page.
  let pages = [''];
  let nextAfter: string | null = null;

  const restart = () => {
    pages = [''];
    void attempt(refresh);
  };
  status.addEventListener('change', restart);
  let typing: number | undefined;
  label.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(restart, 300);
  });
  previous.addEventListener('click', () => {
    if (pages.length > 1) pages.pop();
    void attempt(refresh);
  });
  next.addEventListener('click', () => {
    if (nextAfter) pages.push(nextAfter);
    void attempt(refresh);
  });

  async function refresh(): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status.value) query.set('status', status.value);
    if (label.value.trim()) query.set('label', label.value.trim());
    if (pages.at(-1)) query.set('after', pages.at(-1)!);
    const page = await api<CodePage>('GET', `${path}?${query}`);
    nextAfter = page.next;
    previous.disabled = pages.length === 1;
    next.disabled = !page.next;
    position.textContent = page.codes.length ? `Page ${pages.length} · ${page.codes.length} codes` : '';
    list.replaceChildren(table(['Code id', 'Status', 'Label', 'Expires', 'First used', ''], page.codes.map((c) => [
      h('code', {}, c.id), statusBadge(c.status), c.label ?? '', when(c.expiresAt), when(c.firstUsedAt), revokeOrRestore(c, changed),
    ]), status.value || label.value.trim() ? 'No codes match.' : 'No codes yet.'));
  }

  const element = h('div', { class: 'code-list' },
    h('div', { class: 'inline' }, field('Show', status), field('Label', label)),
    list,
    h('div', { class: 'buttons' }, previous, next, position));
  return { element, refresh };
}

/** Revoke for a code that works, Restore for a revoked one; the edges hear within a second. */
export function revokeOrRestore(code: { id: string; status: string }, changed: () => Promise<void>): HTMLElement {
  const revoked = code.status === 'revoked';
  const button = h('button', { type: 'button', class: revoked ? 'secondary' : 'danger' }, revoked ? 'Restore' : 'Revoke');
  button.addEventListener('click', () => void attempt(async () => {
    if (revoked) {
      notify(`Restored ${(await api('POST', '/api/admin/tokens/restore', { ids: [code.id] })).restored} code.`);
    } else {
      const result = await api('POST', '/api/admin/tokens/revoke', { ids: [code.id] });
      notify(`Revoked ${result.revoked}; ${result.alreadyRevoked} already revoked.`);
    }
    await changed();
  }));
  return button;
}
