import { access, can, limitedToEvents, setAccess, type Access } from './access.js';
import { api, ApiError, setCsrfToken } from './api.js';
import { apiKeysView } from './api-keys-view.js';
import { auditView } from './audit-view.js';
import { codeLookupView } from './code-lookup-view.js';
import { dashboardView } from './dashboard-view.js';
import { h } from './dom.js';
import { eventView } from './event-view.js';
import { renderInvite } from './invite-view.js';
import { renderLogin } from './login-view.js';
import { attempt, clearNotice } from './notice.js';
import { sessionsView } from './sessions-view.js';
import { usersView } from './users-view.js';
import type { View } from './view.js';
import { webhooksView } from './webhooks-view.js';

const REFRESH_MS = 5_000;
const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
let refreshTimer: number | undefined;

function showView(view: View): void {
  window.clearInterval(refreshTimer);
  void attempt(view.refresh);
  // Live values without reloading; paused while the tab is hidden.
  refreshTimer = window.setInterval(() => {
    if (!document.hidden) void view.refresh().catch(onRefreshError);
  }, REFRESH_MS);
}

function onRefreshError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) void start();
}

/** The pages beyond the events, and what each takes: a page the role may not use is not linked. */
const PAGES: { hash: string; label: string; allowed: () => boolean; view: (root: HTMLElement) => View }[] = [
  { hash: '/sessions', label: 'Watching now', allowed: () => can('events:read'), view: sessionsView },
  { hash: '/lookup', label: 'Look up a code', allowed: () => can('codes:support'), view: codeLookupView },
  { hash: '/apikeys', label: 'API keys', allowed: () => can('apikeys:manage'), view: apiKeysView },
  { hash: '/audit', label: 'Audit log', allowed: () => can('audit:read'), view: auditView },
  { hash: '/webhooks', label: 'Webhooks', allowed: () => can('webhooks:manage') && !limitedToEvents(), view: webhooksView },
  { hash: '/users', label: 'Users', allowed: () => can('users:manage'), view: usersView },
];

function route(): void {
  clearNotice();
  const hash = location.hash.replace(/^#/, '') || '/';
  const eventMatch = /^\/events\/([a-z0-9-]+)$/.exec(hash);
  for (const link of nav.querySelectorAll('a')) link.toggleAttribute('aria-current', link.getAttribute('href') === `#${hash}`);
  if (eventMatch) return showView(eventView(main, eventMatch[1]!));
  const page = PAGES.find((p) => p.hash === hash && p.allowed());
  showView(page ? page.view(main) : dashboardView(main));
}

function showNav(): void {
  const { username, role } = access();
  const logout = h('button', { type: 'button', class: 'link' }, `Log out ${username} (${role})`);
  logout.addEventListener('click', () => void attempt(async () => {
    await api('POST', '/api/admin/logout');
    await start();
  }));
  nav.replaceChildren(
    h('a', { href: '#/' }, 'Events'),
    ...PAGES.filter((p) => p.allowed()).map((p) => h('a', { href: `#${p.hash}` }, p.label)),
    logout,
  );
  nav.hidden = false;
}

async function start(): Promise<void> {
  window.clearInterval(refreshTimer);
  const invite = /^#\/invite\/([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
  if (invite) {
    nav.hidden = true;
    return renderInvite(main, invite, () => void start());
  }
  try {
    const session = await api<Access & { csrfToken: string }>('GET', '/api/admin/session');
    setCsrfToken(session.csrfToken);
    setAccess(session);
    showNav();
    route();
  } catch {
    nav.hidden = true;
    renderLogin(main, (session) => {
      setAccess(session);
      showNav();
      route();
    });
  }
}

// An invite link pasted into an open console starts over with the invite.
window.addEventListener('hashchange', () => void (location.hash.startsWith('#/invite/') ? start() : route()));
void start();
