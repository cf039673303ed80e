import { ttlMemo } from '../../src/app/ttl-memo';

class ManualClock {
  constructor(public ms = 1_000_000) {}
  now(): number {
    return this.ms;
  }
}

/** A load the test finishes by hand, counting its calls. */
function loads<T>() {
  const pending: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  let calls = 0;
  const load = () => {
    calls += 1;
    return new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { load, pending, calls: () => calls };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A memo whose first load has finished with 'a'. */
async function loaded(options: Parameters<typeof ttlMemo>[3] = {}) {
  const clock = new ManualClock();
  const l = loads<string>();
  const memo = ttlMemo(clock, () => 1_000, l.load, options);
  const first = memo.get();
  l.pending[0]!.resolve('a');
  await first;
  return { clock, l, memo };
}

describe('ttlMemo', () => {
  it('shares one load between concurrent callers and serves its value until the ttl passes', async () => {
    const clock = new ManualClock();
    const l = loads<string>();
    const memo = ttlMemo(clock, () => 1_000, l.load);
    const both = Promise.all([memo.get(), memo.get()]);
    expect(l.calls()).toBe(1);
    l.pending[0]!.resolve('a');
    expect(await both).toEqual(['a', 'a']);
    clock.ms += 999;
    expect(await memo.get()).toBe('a');
    expect(l.calls()).toBe(1);
    clock.ms += 1;
    const next = memo.get();
    expect(l.calls()).toBe(2);
    l.pending[1]!.resolve('b');
    expect(await next).toBe('b');
  });

  it('does not remember a failed load: the next call loads again, and last() keeps the last good value', async () => {
    const { clock, l, memo } = await loaded();
    clock.ms += 1_000;
    const failing = memo.get();
    l.pending[1]!.reject(new Error('store down'));
    await expect(failing).rejects.toThrow('store down');
    const again = memo.get();
    expect(l.calls()).toBe(3);
    expect(memo.last()).toEqual({ value: 'a', at: clock.ms - 1_000 });
    l.pending[2]!.resolve('fresh');
    expect(await again).toBe('fresh');
  });

  it('with ageFromStart, counts a slow load\'s age from when it started', async () => {
    const clock = new ManualClock();
    const l = loads<string>();
    const memo = ttlMemo(clock, () => 1_000, l.load, { ageFromStart: true });
    const first = memo.get();
    clock.ms += 600; // the load takes 600 ms
    l.pending[0]!.resolve('a');
    await first;
    clock.ms += 400; // 1,000 ms after the load started, 400 after it ended
    void memo.get();
    expect(l.calls()).toBe(2);
  });

  it('with refreshAhead, serves the current value in the second half of the ttl while the next load runs', async () => {
    const { clock, l, memo } = await loaded({ refreshAhead: true });
    clock.ms += 499;
    expect(await memo.get()).toBe('a');
    expect(l.calls()).toBe(1);
    clock.ms += 1;
    expect(await memo.get()).toBe('a'); // served at once, the refresh in the background
    expect(await memo.get()).toBe('a');
    expect(l.calls()).toBe(2);
    l.pending[1]!.resolve('b');
    await tick();
    expect(await memo.get()).toBe('b');
  });

  it('with refreshAhead, a failed background load leaves the current value in place and is tried again', async () => {
    const { clock, l, memo } = await loaded({ refreshAhead: true });
    clock.ms += 600;
    expect(await memo.get()).toBe('a');
    l.pending[1]!.reject(new Error('store down'));
    await tick();
    expect(await memo.get()).toBe('a');
    expect(l.calls()).toBe(3);
  });
});
