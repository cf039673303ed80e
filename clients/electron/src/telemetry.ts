import { randomId } from './ids';
import { createOutbox } from './outbox';
import { settingsOf, type CanaryTelemetryOptions, type ProblemKind, type Settings } from './options';
import { observeSession, wrapFetch as countFetch } from './requests';
import type { TelemetryState } from './state';
import { stateFile, type StateFile } from './store';
import type { ProcessGoneDetails, QuitEvent } from './surface';
import { addCrash, addRequest, addSession, minuteOf, windowFor, type Outcome } from './tally';

/** What startCanaryTelemetry returns. */
export interface CanaryTelemetry {
  /** This install's random id (kept in userData). */
  readonly installId: string;
  /** `f` (e.g. `net.fetch`), counting each call as one of the app's requests. */
  wrapFetch<F extends (input: never, ...rest: never[]) => Promise<{ status: number }>>(f: F): F;
  /** Seals every minute counted so far into batches, writes them to disk and sends what is due. */
  flush(): Promise<void>;
  /** Stops counting, writes everything to disk as a clean exit, and tries one last send (at most `quitWaitMs`). */
  stop(): Promise<void>;
}

const TICK_MS = 5_000;
const PERSIST_DELAY_MS = 1_000;
/** How long a "not sampled" answer holds before this install asks again. */
const RESAMPLE_MS = 24 * 3_600_000;

const defaultProblem = (kind: ProblemKind, message: string) => {
  if (kind !== 'retry') console.warn(`[canary-telemetry] ${kind}: ${message}`);
};

const running = new Map<string, CanaryTelemetry>();

/**
 * Starts counting for this run of the app. Call once, in the main process, after `app.whenReady()`
 * (and after `app.requestSingleInstanceLock()`: the files in userData are one process's).
 * Never throws: invalid options are reported through `onProblem` and leave an inert handle.
 */
export function startCanaryTelemetry(options: CanaryTelemetryOptions): CanaryTelemetry {
  const problem = (kind: ProblemKind, message: string) => {
    try {
      (options?.onProblem ?? defaultProblem)(kind, message);
    } catch {
      // the app's reporter failed: nothing more to tell
    }
  };
  const guard = <A extends unknown[]>(f: (...a: A) => void) => (...a: A): void => {
    try {
      f(...a);
    } catch (err) {
      problem('internal', err instanceof Error ? err.message : String(err));
    }
  };
  const checked = settingsOf(options);
  if (typeof checked === 'string') {
    problem('config', `${checked}; telemetry is off`);
    return { installId: '', wrapFetch: (f) => f, flush: () => Promise.resolve(), stop: () => Promise.resolve() };
  }
  const settings: Settings = checked;
  const { app, net, key, release, channel } = options;
  const { now, endpoint } = settings;
  let file: StateFile;
  try {
    file = stateFile(app.getPath('userData'));
  } catch (err) {
    problem('config', `app.getPath('userData') failed (${String(err)}); telemetry is off`);
    return { installId: '', wrapFetch: (f) => f, flush: () => Promise.resolve(), stop: () => Promise.resolve() };
  }
  const already = running.get(file.path);
  if (already) {
    problem('config', 'startCanaryTelemetry was already called in this process: the first one keeps counting');
    return already;
  }

  const state: TelemetryState = file.load(randomId);
  let persistTimer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  function save(): void {
    if (persistTimer) clearTimeout(persistTimer);
    persistTimer = null;
    try {
      file.save(state);
    } catch (err) {
      problem('storage', `could not write ${file.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Counts reach the disk within a second; a change that must not be lost twice is saved at once.
  function saveSoon(): void {
    persistTimer ??= setTimeout(guard(save), PERSIST_DELAY_MS);
    persistTimer.unref?.();
  }

  const unsampled = () => state.unsampled !== null && state.unsampled.release === release && now() - state.unsampled.at < RESAMPLE_MS;
  const current = () => windowFor(state.open, release, channel, now());

  const outbox = createOutbox({ state, net, endpoint, key, maxStoredBatches: settings.maxStoredBatches, now, save, problem });
  const sealAndBound = (before: number) => outbox.seal(before);
  const kick = (force = false) => outbox.kick(force);

  const tick = guard(() => {
    const before = minuteOf(now());
    if (state.open.some((w) => w.minute < before)) {
      sealAndBound(before);
      save();
    }
    if (state.batches.length > 0 && outbox.due()) void kick();
  });

  function count(f: () => void): void {
    if (stopped || unsampled()) return;
    f();
    saveSoon();
  }
  const record = guard((outcome: Outcome, latencyMs: number | undefined) => count(() => addRequest(current(), outcome, latencyMs)));
  const isOwn = (url: string) => url.startsWith(endpoint);

  // The start: the previous run's marker still there means it never quit. Its crash, this session
  // and the new marker are written in one file replacement, so the crash is reported exactly once.
  guard(() => {
    if (state.run && !unsampled()) addCrash(windowFor(state.open, state.run.release, state.run.channel, now()));
    state.run = { release, channel, startedAt: now() };
    if (!unsampled()) addSession(current());
    sealAndBound(minuteOf(now()));
    save();
  })();

  const onGone = (details: ProcessGoneDetails | undefined) => {
    if (!settings.crashReasons.has(String(details?.reason))) return;
    count(() => addCrash(current()));
    save();
  };
  const onRenderGone = guard((_e: unknown, _w: unknown, details: ProcessGoneDetails) => onGone(details));
  const onChildGone = guard((_e: unknown, details: ProcessGoneDetails) => onGone(details));
  const onBeforeQuit = guard(() => {
    if (stopped) return;
    sealAndBound(Infinity);
    save();
    void kick(true);
  });
  // Delays the quit once, by at most quitWaitMs, to send the last batch; then quits again (this
  // listener is gone by then). The batch is on disk before the wait: a kill during it loses nothing.
  const onWillQuit = guard((event: QuitEvent) => {
    if (stopped) return;
    const last = finish();
    if (settings.quitWaitMs === 0 || state.batches.length === 0) return;
    event.preventDefault();
    void last.then(guard(() => app.quit()));
  });
  const onQuit = guard(() => {
    if (!stopped) void finish();
  });

  app.on('render-process-gone', onRenderGone);
  app.on('child-process-gone', onChildGone);
  app.on('before-quit', onBeforeQuit);
  app.on('will-quit', onWillQuit);
  app.on('quit', onQuit);
  const detachSession = options.session ? observeSession(options.session, settings.urls, isOwn, record, guard) : () => undefined;
  const timer = setInterval(tick, TICK_MS);
  timer.unref?.();

  /** A clean end: sealed, marker cleared and on disk at once; then one bounded attempt to send. */
  function finish(): Promise<void> {
    stopped = true;
    clearInterval(timer);
    guard(detachSession)();
    for (const [event, listener] of [['render-process-gone', onRenderGone], ['child-process-gone', onChildGone], ['before-quit', onBeforeQuit], ['will-quit', onWillQuit], ['quit', onQuit]] as const) app.removeListener(event, listener);
    running.delete(file.path);
    guard(() => {
      sealAndBound(Infinity);
      state.run = null;
      save();
    })();
    if (settings.quitWaitMs === 0 || state.batches.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wait = setTimeout(resolve, settings.quitWaitMs);
      void kick(true).then(() => {
        clearTimeout(wait);
        resolve();
      });
    });
  }

  const handle: CanaryTelemetry = {
    installId: state.installId,
    wrapFetch: (f) => countFetch(f, isOwn, record),
    flush: async () => {
      if (stopped) return;
      guard(() => {
        sealAndBound(Infinity);
        save();
      })();
      await kick();
    },
    stop: () => (stopped ? Promise.resolve() : finish()),
  };
  running.set(file.path, handle);
  void kick();
  return handle;
}
