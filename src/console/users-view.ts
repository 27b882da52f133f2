import { api } from './api.js';
import { field, h, table, when } from './dom.js';
import { attempt, notify } from './notice.js';
import type { View } from './view.js';

const ROLES = ['owner', 'operator', 'support'];
const ROLE_HELP = 'owner: everything · operator: events, codes, sessions, webhooks · support: read, look up and revoke codes, end sessions';

function roleSelect(id: string, value = 'support'): HTMLSelectElement {
  const select = h('select', { id }, ...ROLES.map((r) => h('option', { value: r }, r)));
  select.value = value;
  return select;
}

/** "conf, summit" → ['conf', 'summit']; empty → null (every event). */
function eventList(text: string): string[] | null {
  const ids = text.split(/[\s,]+/).filter(Boolean);
  return ids.length ? ids : null;
}

/** Console users (owners only): roles, event limits, removal, and invites instead of shared passwords. */
export function usersView(root: HTMLElement): View {
  const list = h('div', {});
  const pending = h('div', {});
  const shown = h('div', {});

  const inviteName = h('input', { id: 'invite-name', required: true, maxlength: 64, autocomplete: 'off' });
  const inviteRole = roleSelect('invite-role');
  const inviteEvents = h('input', { id: 'invite-events', placeholder: 'empty: every event' });
  const inviteForm = h('form', { class: 'card', 'aria-label': 'Invite a user' },
    h('h2', {}, 'Invite a user'),
    h('p', { class: 'hint' }, 'A one-time link, valid 24 hours, where they choose a password and set up an authenticator app.'),
    field('User name', inviteName), field('Role', inviteRole), field('Limit to events', inviteEvents),
    h('p', { class: 'hint' }, ROLE_HELP),
    h('button', { type: 'submit' }, 'Create invite link'));
  inviteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      const invite = await api('POST', '/api/admin/invites', { username: inviteName.value, role: inviteRole.value, events: eventList(inviteEvents.value) });
      shown.replaceChildren(h('div', { class: 'card secret' },
        h('p', {}, `Send this link to ${invite.username} privately; it works once, until ${when(invite.expiresAt)}, and is not shown again:`),
        h('code', { class: 'invite-link' }, `${location.origin}${invite.path}`)));
      notify(`Invite for ${invite.username} created.`);
      inviteForm.reset();
      await refresh();
    });
  });

  // For a user who cannot open a link (an invite is better: nobody but them ever knows the password).
  const addName = h('input', { id: 'add-name', required: true, maxlength: 64, autocomplete: 'off' });
  const addPassword = h('input', { id: 'add-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  const addRole = roleSelect('add-role');
  const addEvents = h('input', { id: 'add-events', placeholder: 'empty: every event' });
  const addForm = h('form', { class: 'card', 'aria-label': 'Add a user with a password' },
    h('h2', {}, 'Add a user with a password'),
    field('User name', addName), field('Password (12+ characters)', addPassword), field('Role', addRole), field('Limit to events', addEvents),
    h('button', { type: 'submit' }, 'Add user'));
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      const user = await api('POST', '/api/admin/users', { username: addName.value, password: addPassword.value, role: addRole.value, events: eventList(addEvents.value) });
      notify(`${user.username} added as ${user.role}.`);
      addForm.reset();
      await refresh();
    });
  });

  root.replaceChildren(h('h1', {}, 'Users'), shown, list, h('h2', {}, 'Pending invites'), pending, inviteForm, addForm);

  function roleEditor(user: any): HTMLElement {
    const select = roleSelect(`role-${user.username}`, user.role);
    select.setAttribute('aria-label', `Role of ${user.username}`);
    const events = h('input', { value: user.events?.join(', ') ?? '', placeholder: 'every event', 'aria-label': `Events of ${user.username}` });
    const save = h('button', { type: 'button', class: 'secondary' }, 'Save');
    save.addEventListener('click', () => void attempt(async () => {
      await api('PATCH', `/api/admin/users/${encodeURIComponent(user.username)}`, { role: select.value, events: eventList(events.value) });
      notify(`${user.username} is now ${select.value}; their open sessions ended.`);
      await refresh();
    }));
    return h('div', { class: 'inline' }, select, events, save);
  }

  async function refresh() {
    const users = await api<any[]>('GET', '/api/admin/users');
    list.replaceChildren(table(['User', 'Role and events', '2FA', 'Created', ''], users.map((u) => {
      const remove = h('button', { type: 'button', class: 'danger' }, 'Remove');
      remove.addEventListener('click', () => {
        if (!confirm(`Remove ${u.username}? Their sessions end at once.`)) return;
        void attempt(async () => {
          await api('DELETE', `/api/admin/users/${encodeURIComponent(u.username)}`);
          notify(`${u.username} removed.`);
          await refresh();
        });
      });
      return [u.username, roleEditor(u), u.totp ? 'on' : 'off', when(u.createdAt), remove];
    }), 'No console users in the database (only the break-glass login).'));
    const invites = await api<any[]>('GET', '/api/admin/invites');
    pending.replaceChildren(table(['User', 'Role', 'Events', 'By', 'Expires'], invites.map((i) => [
      i.username, i.role, i.events?.join(', ') ?? 'every event', i.createdBy, when(i.expiresAt),
    ]), 'No pending invites.'));
  }
  return { refresh };
}
