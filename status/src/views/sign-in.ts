import { Session, type PageConfig } from '../api';
import { h, replace } from '../dom';

/** Sign-in: the runner's API key locally, Firebase Auth e-mail and password on Hosting. */
export function signInView(main: HTMLElement, config: PageConfig, done: (session: Session) => void): void {
  const error = h('p', { class: 'tone-bad', role: 'alert' });
  const fields =
    config.auth === 'key'
      ? [h('label', { for: 'key' }, 'API key (the local runner prints it: "key: ...")'), h('input', { id: 'key', name: 'key', type: 'password', required: true, autocomplete: 'off' })]
      : [
          h('label', { for: 'email' }, 'E-mail'),
          h('input', { id: 'email', name: 'email', type: 'email', required: true, autocomplete: 'username' }),
          h('label', { for: 'password' }, 'Password'),
          h('input', { id: 'password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
        ];
  const form = h('form', { class: 'sign-in' }, h('h1', {}, 'Sign in'), h('p', { class: 'muted' }, config.auth === 'key' ? 'Local runner: its API key is enough.' : 'Admins only: your account needs the admin claim (npm run admin:grant -- --email <address>).'), ...fields, h('button', { type: 'submit' }, 'Sign in'), error);
  replace(main, form);
  (form.querySelector('input') as HTMLInputElement).focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    void (async () => {
      try {
        const session = config.auth === 'key' ? Session.withKey(config, field(data, 'key').trim()) : await Session.withPassword(config, field(data, 'email'), field(data, 'password'));
        // Proves the credentials before leaving the form: a wrong key is told here, not as an empty page.
        await session.get('/canaries?limit=1');
        done(session);
      } catch (err) {
        Session.restore(config)?.signOut();
        replace(error, String((err as Error).message).includes('401') ? 'Not accepted: check the key or account.' : String((err as Error).message));
      }
    })();
  });
}

/** A text field of the form ('' when absent; the form has no file inputs). */
function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}
