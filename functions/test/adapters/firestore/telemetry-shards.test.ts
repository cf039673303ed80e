import { createShardLayouts } from '../../../src/adapters/firestore/telemetry-shards';
import { testFirestore } from '../../support/firestore';

const T0 = Date.UTC(2026, 10, 29, 7, 0, 0);
const MINUTE = 60_000;

/** How an instance picks the shard count of a minute nobody has written yet. */
describe('shard count chosen from load', () => {
  const fs = testFirestore('tel-shard-load');
  afterAll(() => fs.close());
  let now = T0;
  const layouts = createShardLayouts(fs.db, () => now, { maxShards: 16 });
  const lane = 'web/load-release';
  const next = async (release = 'load-release') => {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const layout = await layouts.resolve([{ platform: 'web', release, minute }]);
    return layout.get(layouts.key('web', release, minute))!;
  };

  it('is one document for a quiet release', async () => {
    expect(await next()).toEqual({ shards: 1, creating: true });
  });

  it('stays one document after a busy minute without contention (the links of its chain take any number of installs), so a busy commit writes one document', async () => {
    for (let i = 0; i < 1_000; i++) layouts.observe(lane, { conflict: false });
    now += MINUTE;
    expect((await next()).shards).toBe(1);
  });

  it('doubles while other writers refuse more than a tenth of its commits on the release, and halves back once they stop', async () => {
    for (let i = 0; i < 10; i++) layouts.observe(lane, { conflict: i < 3 });
    now += MINUTE;
    expect((await next()).shards).toBe(2);
    for (let i = 0; i < 10; i++) layouts.observe(lane, { conflict: i < 3 });
    now += MINUTE;
    expect((await next()).shards).toBe(4);
    layouts.observe(lane, { conflict: false });
    now += MINUTE;
    expect((await next()).shards).toBe(2);
  });

  it('takes the count a minute was created with from its shard 0, whatever it would choose', async () => {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    await fs.db.doc(`telemetry_releases/web__taken/telemetry_minutes/${minute}_0`).create({ minute, k: 7 });
    expect(await next('taken')).toEqual({ shards: 7, creating: false });
    await fs.db.doc(`telemetry_releases/web__legacy/telemetry_minutes/${minute}_0`).create({ minute });
    // Written before counts were recorded: the old fixed default.
    expect(await next('legacy')).toEqual({ shards: 4, creating: false });
  });
});
