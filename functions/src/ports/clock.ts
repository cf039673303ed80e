/** Time is passed in, never read by the core: adapters and tests choose the clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
