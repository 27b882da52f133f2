/** A few lines instead of a framework: build elements, fill tables, format times. */

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  element.append(...(children.filter((c) => c !== null && c !== undefined && c !== false) as (Node | string)[]).map((c) => (typeof c === 'number' ? String(c) : c)));
  return element;
}

/** A labelled form field; the label points at the input by its id. */
export function field(label: string, input: HTMLElement): HTMLDivElement {
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
}

export function table(head: string[], rows: Child[][], empty = 'Nothing here yet.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { 'data-label': head[i] }, c)))))));
}

/**
 * A stored time in the browser's zone, with the zone shown ("Jan 2, 2027, 10:00 AM EST"): the
 * operator may sit in another zone than the venue or the server, so a bare time misleads.
 */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
}

/** The label of a date-time input, naming the zone it is read in: "Starts (Europe/Berlin time)". */
export function localTimeLabel(label: string): string {
  return `${label} (${Intl.DateTimeFormat().resolvedOptions().timeZone} time)`;
}

/** An ISO time as the value of <input type="datetime-local"> (local time), or ''. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}` }, status);
}

/** Offers `text` as a file download; the browser saves it, nothing is kept here. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Copies an input's value. The Clipboard API exists only on secure origins (HTTPS, localhost), and
 * a console opened at a LAN address over plain HTTP is not one: there the older copy command,
 * run on the selected input, still works. A hidden (password) input is shown for that moment.
 */
export async function copyInputValue(input: HTMLInputElement): Promise<void> {
  if (window.isSecureContext && navigator.clipboard) return navigator.clipboard.writeText(input.value);
  const type = input.type;
  input.type = 'text';
  input.focus();
  input.select();
  const copied = document.execCommand('copy');
  input.setSelectionRange(0, 0);
  input.type = type;
  if (!copied) throw new Error('This browser would not copy: reveal the key and copy it by hand.');
}
