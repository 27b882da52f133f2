import { api, ApiError } from './api.js';
import { field, h } from './dom.js';

/**
 * An invite link (`/admin#/invite/TOKEN`): the token sits in the fragment, which the browser never
 * sends, so no server log or Referer holds it; it is posted in a JSON body. The new user chooses a
 * password, scans the QR code with an authenticator app and confirms with a code; then logs in.
 */
export function renderInvite(root: HTMLElement, token: string, onDone: () => void): void {
  // Off the address bar and out of the history from here on.
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (failure: unknown) => {
    error.textContent = failure instanceof ApiError ? failure.message : 'Cannot reach the server.';
    error.hidden = false;
  };
  root.replaceChildren(h('div', { class: 'card login' }, h('h1', {}, 'Join StreamGate'), error));
  void api('POST', '/api/admin/invites/open', { token }).then((invite) => {
    const password = h('input', { id: 'invite-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
    const again = h('input', { id: 'invite-password-again', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
    const code = h('input', { id: 'invite-totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9 ]*', maxlength: 8, required: true });
    // An SVG the server drew from the otpauth URI, shown as an image: no markup is inserted.
    const qr = h('img', { class: 'qr', width: 200, height: 200, alt: 'QR code for an authenticator app', src: `data:image/svg+xml;base64,${btoa(invite.totp.qrSvg)}` });
    const form = h('form', { class: 'card login', novalidate: true },
      h('h1', {}, `Welcome, ${invite.username}`),
      h('p', {}, `You are invited as ${invite.role}${invite.events ? ` of ${invite.events.join(', ')}` : ''}.`),
      field('Choose a password (12+ characters)', password), field('The password again', again),
      h('p', {}, 'Scan this with an authenticator app, or enter the key by hand:'), qr,
      h('p', {}, h('code', { class: 'totp-secret' }, invite.totp.secret)),
      field('The 6-digit code the app shows', code),
      error,
      h('button', { type: 'submit' }, 'Create my login'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.hidden = true;
      if (password.value !== again.value) return fail(new ApiError(400, 'invalid_request', 'The two passwords differ.'));
      api('POST', '/api/admin/invites/accept', { token, password: password.value, totpSecret: invite.totp.secret, totpCode: code.value })
        .then(() => {
          root.replaceChildren(h('div', { class: 'card login' }, h('h1', {}, 'Done'), h('p', {}, 'Log in with your name, your password and a code from the app.')));
          window.setTimeout(onDone, 1500);
        })
        .catch(fail);
    });
    root.replaceChildren(form);
    password.focus();
  }).catch(fail);
}
