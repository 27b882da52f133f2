import { api, ApiError, setCsrfToken } from './api.js';
import { apiKeysView } from './api-keys-view.js';
import { auditView } from './audit-view.js';
import { codeLookupView } from './code-lookup-view.js';
import { dashboardView } from './dashboard-view.js';
import { h } from './dom.js';
import { eventView } from './event-view.js';
import { renderLogin } from './login-view.js';
import { attempt, clearNotice } from './notice.js';
import { sessionsView } from './sessions-view.js';
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

function route(): void {
  clearNotice();
  const hash = location.hash.replace(/^#/, '') || '/';
  const eventMatch = /^\/events\/([a-z0-9-]+)$/.exec(hash);
  for (const link of nav.querySelectorAll('a')) link.toggleAttribute('aria-current', link.getAttribute('href') === `#${hash}`);
  if (eventMatch) return showView(eventView(main, eventMatch[1]!));
  if (hash === '/sessions') return showView(sessionsView(main));
  if (hash === '/lookup') return showView(codeLookupView(main));
  if (hash === '/apikeys') return showView(apiKeysView(main));
  if (hash === '/audit') return showView(auditView(main));
  if (hash === '/webhooks') return showView(webhooksView(main));
  showView(dashboardView(main));
}

function showNav(username: string): void {
  const logout = h('button', { type: 'button', class: 'link' }, `Log out ${username}`);
  logout.addEventListener('click', () => void attempt(async () => {
    await api('POST', '/api/admin/logout');
    await start();
  }));
  nav.replaceChildren(
    h('a', { href: '#/' }, 'Events'),
    h('a', { href: '#/sessions' }, 'Watching now'),
    h('a', { href: '#/lookup' }, 'Look up a code'),
    h('a', { href: '#/apikeys' }, 'API keys'),
    h('a', { href: '#/audit' }, 'Audit log'),
    h('a', { href: '#/webhooks' }, 'Webhooks'),
    logout,
  );
  nav.hidden = false;
}

async function start(): Promise<void> {
  window.clearInterval(refreshTimer);
  try {
    const session = await api('GET', '/api/admin/session');
    setCsrfToken(session.csrfToken);
    showNav(session.username);
    route();
  } catch {
    nav.hidden = true;
    renderLogin(main, (username) => {
      showNav(username);
      route();
    });
  }
}

window.addEventListener('hashchange', route);
void start();
