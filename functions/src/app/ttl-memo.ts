import type { Clock } from '../ports/clock';

/**
 * A value loaded at most once per `ttlMs` per instance, one load at a time however many requests
 * wait for it. A failed load is not remembered (the next call tries again); `last` keeps the last
 * good value and when it was loaded, for callers that may fall back on it.
 */
export interface TtlMemo<T> {
  get(): Promise<T>;
  last(): { value: T; at: number } | undefined;
}

export interface TtlMemoOptions {
  /**
   * A value's age counts from when its load started, not when it ended: a change made before a
   * load started is then in force within `ttlMs` of being made, however slow the load.
   */
  ageFromStart?: boolean;
  /**
   * In the second half of `ttlMs` the next load starts in the background while the current value
   * is still served, so a steady stream of callers never waits on a load.
   */
  refreshAhead?: boolean;
}

export function ttlMemo<T>(clock: Clock, ttlMs: () => number, load: () => Promise<T>, options: TtlMemoOptions = {}): TtlMemo<T> {
  let good: { value: T; at: number } | undefined;
  let inFlight: Promise<T> | undefined;
  const loadOnce = (): Promise<T> => {
    const started = clock.now();
    inFlight ??= load()
      .then((value) => {
        good = { value, at: options.ageFromStart ? started : clock.now() };
        return value;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
  return {
    get() {
      const age = good ? clock.now() - good.at : Infinity;
      if (good && age < ttlMs()) {
        if (options.refreshAhead && age >= ttlMs() / 2) void loadOnce().catch(() => undefined);
        return Promise.resolve(good.value);
      }
      return loadOnce();
    },
    last: () => good,
  };
}
