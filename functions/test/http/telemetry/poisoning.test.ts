import { testFirestore } from '../../support/firestore';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals } from './harness';

describe('poisoning bounds: what one install can add to a release in a minute', () => {
  const fs = testFirestore('tel-poison');
  afterAll(() => fs.close());

  it('clips an install at 600 requests, 60 errors and 3 crashes a minute, over several batches, and counts the clipped windows', async () => {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, new TestClock());
    const forged = { start: minuteIso(T0), requests: 100_000, errors: 100_000, sessions: 10, crashes: 10 };
    expect((await api.post(report(key, { release: 'p-caps', windows: [forged] }, 'forged-0001'))).status).toBe(202);
    expect((await api.post(report(key, { release: 'p-caps', windows: [forged] }, 'forged-0001'))).status).toBe(202);
    await api.close();
    const t = await totals(fs.db, { release: 'p-caps' });
    expect([t.requests, t.errors, t.sessions, t.crashes, t.cappedWindows]).toEqual([600, 60, 10, 3, 2]);
  });

  it('counts distinct installs, and distinct installs behind errors and crashes, so scripted installs show as what they are', async () => {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, new TestClock());
    const posts = [];
    for (let i = 0; i < 20; i++) posts.push(api.post(report(key, { release: 'p-installs', windows: [{ start: minuteIso(T0), requests: 40, errors: 0, sessions: 1 }] }, `genuine-${String(i).padStart(4, '0')}`)));
    for (let i = 0; i < 3; i++) posts.push(api.post(report(key, { release: 'p-installs', windows: [{ start: minuteIso(T0), requests: 40, errors: 40, sessions: 1, crashes: 1 }] }, `scripted-${String(i).padStart(4, '0')}`)));
    expect((await Promise.all(posts)).every((r) => r.status === 202)).toBe(true);
    await api.close();
    const t = await totals(fs.db, { release: 'p-installs' });
    expect(t.installs).toEqual({ all: 23, errors: 3, crashes: 3 });
    expect(t.minutes.map((m) => [m.installs, m.errorInstalls, m.crashInstalls])).toEqual([[23, 3, 3]]);
    expect([t.requests, t.errors]).toEqual([920, 120]);
  });
});
