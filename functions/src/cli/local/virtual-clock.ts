import type { Clock } from '../../ports/clock';

/**
 * The local runner's time: one tick of real time plays one metrics window of scenario time, so a
 * story that spans half an hour of canary windows is watched in half a minute. Between ticks the
 * clock moves on in proportion, but never past the next tick, so every window is judged once.
 */
export class SteppedClock implements Clock {
  private tick = 0;
  private tickStartedAt = Date.now();

  constructor(
    private readonly origin: number,
    private readonly windowMs: number,
    private readonly tickMs: number,
  ) {}

  /** Moves to the next tick and returns its time. */
  advance(): number {
    this.tick++;
    this.tickStartedAt = Date.now();
    return this.base();
  }

  now(): number {
    const elapsed = ((Date.now() - this.tickStartedAt) * this.windowMs) / this.tickMs;
    return this.base() + Math.min(Math.floor(elapsed), this.windowMs - 1);
  }

  private base(): number {
    return this.origin + this.tick * this.windowMs;
  }
}
