/**
 * The part of Electron's main-process API this module uses, and nothing more: pass Electron's own
 * `app`, `session.defaultSession` (or any session) and `net`. Listed in README.md ("What it uses
 * of Electron"); tests pass EventEmitters shaped like them.
 */

/** `render-process-gone` / `child-process-gone` details (Electron's RenderProcessGoneDetails / Details). */
export interface ProcessGoneDetails {
  reason: string;
  exitCode?: number;
  type?: string;
}

/** Electron's quit events carry an Event whose preventDefault() delays the quit. */
export interface QuitEvent {
  preventDefault(): void;
}

export interface AppLike {
  /** `app.getPath('userData')`: where the install id, the counts and the unsent batches are kept. */
  getPath(name: 'userData'): string;
  /** `app.quit()`: called once, after a quit this module delayed to send its last batch. */
  quit(): void;
  on(event: 'render-process-gone', listener: (event: unknown, webContents: unknown, details: ProcessGoneDetails) => void): unknown;
  on(event: 'child-process-gone', listener: (event: unknown, details: ProcessGoneDetails) => void): unknown;
  on(event: 'before-quit' | 'will-quit', listener: (event: QuitEvent) => void): unknown;
  on(event: 'quit', listener: () => void): unknown;
  // any: EventEmitter's own listener type, so an EventEmitter (Electron's app) fits.
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** The fields of webRequest details this module reads (Electron's OnSendHeadersListenerDetails etc.). */
export interface WebRequestDetails {
  id: number;
  url: string;
  /** ms since the epoch (a double), when the event happened. */
  timestamp: number;
  statusCode?: number;
  error?: string;
}

export interface WebRequestFilter {
  urls: string[];
}

type Listener = ((details: WebRequestDetails) => void) | null;

/** `session.webRequest`: three non-blocking listeners (each replaces that event's previous listener). */
export interface WebRequestLike {
  onSendHeaders(filter: WebRequestFilter, listener: Listener): void;
  onCompleted(filter: WebRequestFilter, listener: Listener): void;
  onErrorOccurred(filter: WebRequestFilter, listener: Listener): void;
}

export interface SessionLike {
  webRequest: WebRequestLike;
}

/** What this module reads of a fetch answer. */
export interface ResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface RequestInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** `net.fetch` (Electron 28+; Chromium's network stack, the app's proxy and certificates). */
export interface NetLike {
  fetch(url: string, init?: RequestInitLike): Promise<ResponseLike>;
}
