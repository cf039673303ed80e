import { testFirestore } from '../../support/firestore';
import { call } from '../harness';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals, type IngestServer } from './harness';

/** Every row of the answers table of shared/spec/telemetry-format.md, through real HTTP. */
describe('POST /v1/telemetry answers as the spec fixes', () => {
  const fs = testFirestore('tel-answers');
  const clock = new TestClock();
  let api: IngestServer;
  let key: string;

  beforeAll(async () => {
    key = (await addKey(fs.db)).key;
    api = await startIngest(fs.db, clock);
  });
  afterAll(async () => {
    await api.close();
    await fs.close();
  });

  it('answers 202 with accepted, dropped and sampleRate once the batch is recorded, and the counts are in the store', async () => {
    const before = await totals(fs.db);
    const reply = await api.post(report(key, {}, 'install-202a'));
    expect(reply.status).toBe(202);
    expect(reply.json).toEqual({ accepted: 1, dropped: 0, sampleRate: 1 });
    const after = await totals(fs.db);
    expect(after.requests - before.requests).toBe(20);
    expect(after.errors - before.errors).toBe(1);
    expect(after.latency - before.latency).toBe(20);
  });

  it('answers 200 with the first body when the same install sends the same batch again, and counts it once', async () => {
    const body = report(key, { windows: [{ start: minuteIso(T0), requests: 7, errors: 0 }, { start: minuteIso(T0 - 30 * 60_000), requests: 3, errors: 0 }] }, 'install-200a');
    const first = await api.post(body);
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ accepted: 1, dropped: 1, sampleRate: 1 });
    const mid = await totals(fs.db);
    const again = await api.post(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect((await totals(fs.db)).requests).toBe(mid.requests);
  });

  it('answers 200 with the first body to a retry sent after its windows aged out of the accepted range, and counts nothing again', async () => {
    const body = report(key, { windows: [{ start: minuteIso(T0), requests: 11, errors: 1 }] }, 'install-200-late');
    expect((await api.post(body)).json).toEqual({ accepted: 1, dropped: 0, sampleRate: 1 });
    const mid = await totals(fs.db);
    const now = clock.ms;
    clock.ms = now + 20 * 60_000;
    try {
      const late = await api.post(body);
      expect([late.status, late.json]).toEqual([200, { accepted: 1, dropped: 0, sampleRate: 1 }]);
    } finally {
      clock.ms = now;
    }
    expect([(await totals(fs.db)).requests, (await totals(fs.db)).errors]).toEqual([mid.requests, mid.errors]);
  });

  it('answers 400 naming the field path, and records nothing from an invalid body', async () => {
    const before = await totals(fs.db);
    const cases: [Record<string, unknown>, string][] = [
      [{ windows: [{ start: minuteIso(T0), requests: 5, errors: 6 }] }, 'windows[0].errors'],
      [{ windows: [{ start: minuteIso(T0), requests: 5, errors: 0, latencyMs: { counts: { '91': 1 } } }] }, 'windows[0].latencyMs.counts.91'],
      [{ windows: [{ start: minuteIso(T0), requests: 5, errors: 0 }, { start: minuteIso(T0), requests: 1, errors: 0 }] }, 'windows[1].start'],
      [{ windows: [{ start: '2026-11-29T07:00:30Z', requests: 5, errors: 0 }] }, 'windows[0].start'],
      [{ windows: [{ start: minuteIso(T0), requests: 5, errors: 0, extra: 1 }] }, 'windows[0].extra'],
      [{ surprise: true }, 'surprise'],
      [{ batchId: 'short' }, 'batchId'],
      [{ release: 'v1/2' }, 'release'],
      [{ windows: [{ start: minuteIso(T0), requests: 100_001, errors: 0 }] }, 'windows[0].requests'],
      [{ windows: [{ start: minuteIso(T0), requests: 5, errors: 0, sessions: 1, crashes: 2 }] }, 'windows[0].crashes'],
    ];
    for (const [over, path] of cases) {
      const reply = await api.post(report(key, over, 'install-400a'));
      expect({ status: reply.status, path: reply.json.path }).toEqual({ status: 400, path });
      expect(typeof reply.json.error).toBe('string');
    }
    const malformed = await call(api.url, 'POST', '/v1/telemetry', { body: '{"key":', headers: { 'content-type': 'text/plain' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ error: 'the body is not JSON', path: '' });
    expect((await totals(fs.db)).requests).toBe(before.requests);
  });

  it('answers 401 for a missing, unknown or revoked key', async () => {
    const { key: revokedKey, record } = await addKey(fs.db, { revoked: true, revokedAt: T0 });
    expect(record.revoked).toBe(true);
    const { key: _unused, ...noKey } = report(key);
    for (const body of [noKey, report('cgt_' + 'x'.repeat(32)), report('not-a-key'), report(revokedKey)]) {
      const reply = await api.post(body);
      expect(reply.status).toBe(401);
      expect(typeof reply.json.error).toBe('string');
    }
  });

  it('takes the key from ?key= when the body has none', async () => {
    const { key: _k, ...body } = report(key, {}, 'install-query');
    const reply = await api.post(body, { query: `?key=${encodeURIComponent(key)}` });
    expect(reply.status).toBe(202);
  });

  it('answers 403 for an origin or a platform the key does not allow', async () => {
    const origin = await api.post(report(key, {}, 'install-403a'), { headers: { origin: 'https://evil.example' } });
    expect(origin.status).toBe(403);
    expect(origin.headers['access-control-allow-origin']).toBeUndefined();
    const platform = await api.post(report(key, { platform: 'mobile' }, 'install-403b'));
    expect(platform.status).toBe(403);
    expect(String(platform.json.error)).toMatch(/platform/);
  });

  it('answers 413 to a body over 16 KiB, before reading it as JSON', async () => {
    const big = JSON.stringify(report(key, { pad: 'x'.repeat(17 * 1024) }));
    const reply = await call(api.url, 'POST', '/v1/telemetry', { body: big, headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(413);
    expect(typeof reply.json.error).toBe('string');
  });

  it('answers 429 with Retry-After past the install budget', async () => {
    let last = await api.post(report(key, {}, 'install-429a'));
    for (let i = 0; i < 20 && last.status !== 429; i++) last = await api.post(report(key, {}, 'install-429a'));
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(typeof last.json.error).toBe('string');
  });

  it('accepts a sendBeacon body (text/plain) from an allowed origin and answers with CORS for it', async () => {
    const reply = await call(api.url, 'POST', '/v1/telemetry', { body: JSON.stringify(report(key, {}, 'install-beacon')), headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' } });
    expect(reply.status).toBe(202);
    expect(reply.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('answers a preflight for an allowed origin only', async () => {
    const ok = await call(api.url, 'OPTIONS', `/v1/telemetry?key=${key}`, { headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-firebase-appcheck' } });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/X-Firebase-AppCheck/);
    const bad = await call(api.url, 'OPTIONS', `/v1/telemetry?key=${key}`, { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(bad.status).toBe(403);
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('drops windows more than 15 minutes old or 2 minutes ahead and says how many', async () => {
    const reply = await api.post(
      report(key, {
        windows: [
          { start: minuteIso(T0 - 16 * 60_000), requests: 9, errors: 9 },
          { start: minuteIso(T0 - 15 * 60_000 + 60_000), requests: 4, errors: 0 },
          { start: minuteIso(T0 + 3 * 60_000), requests: 9, errors: 9 },
        ],
      }, 'install-dropped'),
    );
    expect(reply.status).toBe(202);
    expect(reply.json).toEqual({ accepted: 1, dropped: 2, sampleRate: 1 });
  });

  it('answers 405 to another method and 404 elsewhere, in JSON', async () => {
    expect((await call(api.url, 'GET', '/v1/telemetry')).status).toBe(405);
    expect((await call(api.url, 'POST', '/v1/other', { body: '{}' })).status).toBe(404);
  });
});
