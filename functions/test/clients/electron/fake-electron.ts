import { EventEmitter } from 'node:events';
import type { AppLike, NetLike, ProcessGoneDetails, SessionLike, WebRequestDetails, WebRequestFilter } from '../../../../clients/electron/src';

type Listener = ((d: WebRequestDetails) => void) | null;

/** What a fake net.fetch did: the body it sent (parsed) and how it ended. */
export interface SentBatch {
  body: { batchId: string; installId: string; release: string; channel: string; windows: Record<string, unknown>[]; [k: string]: unknown };
  result: number | 'network failure';
}

/**
 * The part of Electron's main-process API the client uses (clients/electron/README.md), as
 * EventEmitters: `app` quits the way Electron does (before-quit, will-quit, quit, each of which may
 * be prevented), `session.webRequest` keeps one listener per event, `net.fetch` is Node's fetch
 * unless a test gives another one. Never throws from the "Electron" side.
 */
export function fakeElectron(userData: string, fetchImpl: NetLike['fetch'] = (url, init) => fetch(url, init)) {
  const listeners: Record<'sendHeaders' | 'completed' | 'error', Listener> = { sendHeaders: null, completed: null, error: null };
  const filters: WebRequestFilter[] = [];
  let nextId = 1;
  let quitted = false;
  const quitWaiters: (() => void)[] = [];
  const sent: SentBatch[] = [];

  class FakeApp extends EventEmitter implements AppLike {
    getPath(name: 'userData'): string {
      if (name !== 'userData') throw new Error(`unexpected getPath(${String(name)})`);
      return userData;
    }
    quit(): void {
      for (const event of ['before-quit', 'will-quit'] as const) {
        let prevented = false;
        this.emit(event, { preventDefault: () => (prevented = true) });
        if (prevented) return;
      }
      this.emit('quit');
      quitted = true;
      for (const w of quitWaiters.splice(0)) w();
    }
  }
  const app = new FakeApp();

  const session: SessionLike = {
    webRequest: {
      onSendHeaders: (filter, l) => void (filters.push(filter), (listeners.sendHeaders = l)),
      onCompleted: (filter, l) => void (filters.push(filter), (listeners.completed = l)),
      onErrorOccurred: (filter, l) => void (filters.push(filter), (listeners.error = l)),
    },
  };

  const net: NetLike = {
    async fetch(url, init) {
      let body: SentBatch['body'];
      try {
        body = JSON.parse(String(init?.body)) as SentBatch['body'];
      } catch {
        throw new Error(`the client sent a body that is not JSON: ${String(init?.body)}`);
      }
      try {
        const res = await fetchImpl(url, init);
        sent.push({ body, result: res.status });
        return res;
      } catch (err) {
        sent.push({ body, result: 'network failure' });
        throw err;
      }
    },
  };

  return {
    app,
    session,
    net,
    sent,
    filters,
    listeners,
    /** A request of the app that got an answer, `ms` long (webRequest's own timestamps). */
    request(url: string, statusCode: number, ms: number, at = 1_800_000_000_000): void {
      const id = nextId++;
      listeners.sendHeaders?.({ id, url, timestamp: at });
      listeners.completed?.({ id, url, timestamp: at + ms, statusCode });
    },
    /** A request of the app that failed in the network stack (e.g. net::ERR_CONNECTION_REFUSED). */
    fail(url: string, error: string, ms: number, at = 1_800_000_000_000): void {
      const id = nextId++;
      listeners.sendHeaders?.({ id, url, timestamp: at });
      listeners.error?.({ id, url, timestamp: at + ms, error });
    },
    renderGone(reason: ProcessGoneDetails['reason']): void {
      app.emit('render-process-gone', {}, {}, { reason, exitCode: 1 });
    },
    childGone(reason: ProcessGoneDetails['reason'], type = 'GPU'): void {
      app.emit('child-process-gone', {}, { type, reason, exitCode: 1 });
    },
    /** app.quit(), resolved once Electron would have emitted `quit` (after any delay a listener asked for). */
    quitAndWait(): Promise<void> {
      const done = new Promise<void>((resolve) => (quitted ? resolve() : quitWaiters.push(resolve)));
      app.quit();
      return done;
    },
    get quitted() {
      return quitted;
    },
  };
}
