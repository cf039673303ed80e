import type { Clock } from '../../ports/clock';

/**
 * A value loaded at most once per `ttlMs` per instance, one load at a time however many requests
 * wait for it. A failed load is not remembered (the next call tries again); `last` keeps the last
 * good value and when it was loaded, for callers that may fall back on it.
 */
export interface TtlMemo<T> {
  get(): Promise<T>;
  last(): { value: T; at: number } | undefined;
}

export function ttlMemo<T>(clock: Clock, ttlMs: () => number, load: () => Promise<T>): TtlMemo<T> {
  let good: { value: T; at: number } | undefined;
  let inFlight: Promise<T> | undefined;
  return {
    get() {
      if (good && clock.now() - good.at < ttlMs()) return Promise.resolve(good.value);
      inFlight ??= load()
        .then((value) => {
          good = { value, at: clock.now() };
          return value;
        })
        .finally(() => (inFlight = undefined));
      return inFlight;
    },
    last: () => good,
  };
}
