import type { Access } from './access.js';
import { api, ApiError, setCsrfToken } from './api.js';
import { field, h } from './dom.js';

/** The login form; asks for the TOTP code only once the server says it is needed. */
export function renderLogin(root: HTMLElement, onLoggedIn: (session: Access) => void): void {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const totpField = field('Authenticator code', h('input', { id: 'totp', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9 ]*', maxlength: 8 }));
  totpField.hidden = true;
  const form = h('form', { class: 'card login', novalidate: true },
    h('h1', {}, 'StreamGate admin'),
    field('User name', h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true })),
    field('Password', h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    totpField,
    error,
    h('button', { type: 'submit' }, 'Log in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    error.hidden = true;
    try {
      const session = await api('POST', '/api/admin/login', {
        username: data.get('username'),
        password: data.get('password'),
        totp: totpField.hidden ? undefined : String(data.get('totp') ?? ''),
      });
      setCsrfToken(session.csrfToken);
      onLoggedIn(session);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.code === 'totp_required' || failure.code === 'totp_invalid')) {
        totpField.hidden = false;
        (totpField.querySelector('input') as HTMLInputElement).focus();
      }
      error.textContent = failure instanceof ApiError ? failure.message : 'Cannot reach the server.';
      error.hidden = false;
    }
  });
  root.replaceChildren(form);
  (form.querySelector('#username') as HTMLInputElement).focus();
}
