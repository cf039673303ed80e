import { mapBounded } from '../../src/core/map-bounded';

const tick = () => new Promise((r) => setImmediate(r));

describe('mapBounded', () => {
  it('never has more than `size` calls in flight, runs every item once, and answers in the items\' order', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const out = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      seen.push(i);
      for (let k = 0; k < n; k++) await tick(); // items finish out of order
      inFlight -= 1;
      return n * 10;
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
  });

  it('answers an empty list with an empty list, and runs one at a time when size is below 1', async () => {
    expect(await mapBounded([], 4, () => Promise.reject(new Error('never called')))).toEqual([]);
    let inFlight = 0;
    let most = 0;
    await mapBounded([1, 2, 3], 0, async () => {
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight -= 1;
    });
    expect(most).toBe(1);
  });

  it('rejects when a call rejects', async () => {
    await expect(mapBounded([1, 2, 3], 2, (n) => (n === 2 ? Promise.reject(new Error('item 2 failed')) : Promise.resolve(n)))).rejects.toThrow('item 2 failed');
  });
});
