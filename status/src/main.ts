import { ApiError, loadConfig, Session, type PageConfig } from './api';
import { h, replace } from './dom';
import { auditView } from './views/audit';
import { canaryView } from './views/canary';
import type { View, ViewContext } from './views/context';
import { listView } from './views/list';
import { signInView } from './views/sign-in';

/**
 * The status page: a handful of views under /status/, switched without a reload (history API),
 * each refreshing itself by polling while the tab is visible.
 */
const main = document.getElementById('main') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;

let view: View | undefined;
let timer: number | undefined;
let busy = false;

function route(session: Session, config: PageConfig): void {
  view?.dispose?.();
  const ctx: ViewContext = { main, session, config, navigate: (path) => go(path, session, config) };
  const path = location.pathname.replace(/\/+$/, '');
  const canary = /^\/status\/canaries\/([^/]+)$/.exec(path);
  view = canary ? canaryView(ctx, decodeURIComponent(canary[1]!)) : path === '/status/audit' ? auditView(ctx) : listView(ctx);
  document.querySelectorAll('nav a').forEach((a) => a.toggleAttribute('aria-current', new URL((a as HTMLAnchorElement).href).pathname.replace(/\/+$/, '') === path));
  main.focus({ preventScroll: true });
  void tick(session, config);
}

function go(path: string, session: Session, config: PageConfig): void {
  history.pushState(null, '', path);
  route(session, config);
}

async function tick(session: Session, config: PageConfig): Promise<void> {
  if (busy || !view) return;
  busy = true;
  try {
    await view.refresh();
    live.textContent = `Live: updated ${new Date().toLocaleTimeString()}`;
    live.dataset.state = 'ok';
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      session.signOut();
      return start(config);
    }
    live.textContent = `Not updated: ${String((err as Error).message)} (retrying)`;
    live.dataset.state = 'error';
  } finally {
    busy = false;
  }
}

function signedIn(session: Session, config: PageConfig): void {
  const out = h('button', { type: 'button' }, 'Sign out');
  out.addEventListener('click', () => {
    session.signOut();
    start(config);
  });
  replace(account, h('span', { class: 'muted' }, `Signed in (${session.label}) `), out);
  // Links inside the page switch views without a reload; others (GitHub, new tab) behave as links.
  document.body.onclick = (ev) => {
    const a = (ev.target as Element).closest('a');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || a.target) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/status')) return;
    ev.preventDefault();
    go(url.pathname + url.search, session, config);
  };
  window.onpopstate = () => route(session, config);
  window.clearInterval(timer);
  timer = window.setInterval(() => {
    if (!document.hidden) void tick(session, config);
  }, config.pollMs);
  route(session, config);
}

function start(config: PageConfig): void {
  window.clearInterval(timer);
  view?.dispose?.();
  view = undefined;
  replace(account);
  live.textContent = '';
  const session = Session.restore(config);
  if (session) return signedIn(session, config);
  signInView(main, config, (s) => signedIn(s, config));
}

loadConfig().then(start, (err: unknown) => replace(main, h('p', { class: 'tone-bad' }, `The page could not load its configuration: ${String((err as Error).message)}`)));
