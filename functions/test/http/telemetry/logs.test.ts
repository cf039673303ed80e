import { telemetryDeps } from '../../../src/functions/telemetry-wiring';
import type { LogRecord } from '../../../src/http/log';
import { createTelemetryApp } from '../../../src/http/telemetry-app';
import { testFirestore } from '../../support/firestore';
import { call, listen } from '../harness';
import { addKey, report, TestClock } from './harness';

/** What the ingest logs: every refusal and failure, with what the request claimed, and no accepted report. */
describe('telemetry ingest logs', () => {
  const fs = testFirestore('tel-logs');
  const clock = new TestClock();
  const records: LogRecord[] = [];
  let key: string;
  let server: { url: string; close: () => Promise<void> };
  let failing: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    key = (await addKey(fs.db, { app: 'shop\u001b[31m-web' })).key;
    const deps = telemetryDeps(fs.db, clock, { verifyAppCheck: () => Promise.reject(new Error('unused')) });
    server = await listen(createTelemetryApp({ ...deps, log: (r) => records.push(r) }));
    // The same app whose store fails every commit (an outage): nothing is recorded, the client retries.
    const broken = { ...deps.ingest, ingest: () => Promise.reject(new Error('deadline exceeded')) };
    failing = await listen(createTelemetryApp({ ...deps, ingest: broken, log: (r) => records.push(r) }));
  });
  afterAll(async () => {
    await server.close();
    await failing.close();
    await fs.close();
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) => call(url, 'POST', '/v1/telemetry', { body, headers: { 'content-type': 'application/json', ...headers } });

  it('writes no record for an accepted report or a retry of it', async () => {
    records.length = 0;
    const body = report(key, {}, 'install-log-ok');
    expect((await post(server.url, body)).status).toBe(202);
    expect((await post(server.url, body)).status).toBe(200);
    expect(records).toEqual([]);
  });

  it('writes one warning per refusal, naming the status, the app and the claimed release in printable form', async () => {
    records.length = 0;
    expect((await post(server.url, report(key, { release: 'v2\u202e', batchId: 'short' }, 'install-log-400'))).status).toBe(400);
    expect((await post(server.url, report('cgt_' + 'x'.repeat(32)))).status).toBe(401);
    expect((await post(server.url, report(key), { origin: 'https://evil.example' })).status).toBe(403);
    expect(records.map((r) => [r.severity, r.status])).toEqual([
      ['WARNING', 400],
      ['WARNING', 401],
      ['WARNING', 403],
    ]);
    expect(records[0]).toMatchObject({ message: 'telemetry request', method: 'POST', path: '/v1/telemetry', platform: 'web', release: 'v2\\u202e', app: 'shop\\u001b[31m-web' });
    expect(records[1]!.app).toBeUndefined();
  });

  it('answers 503 with Retry-After when the store fails, and logs it as an error with the cause', async () => {
    records.length = 0;
    const reply = await post(failing.url, report(key, {}, 'install-log-503'));
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.json).toEqual({ error: 'the report could not be recorded; retry later' });
    expect(records).toEqual([expect.objectContaining({ severity: 'ERROR', status: 503, error: 'deadline exceeded' })]);
  });

  it('still logs what does not reach the ingest path: a preflight refused, another method, another path', async () => {
    records.length = 0;
    expect((await call(server.url, 'OPTIONS', `/v1/telemetry?key=${key}`, { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })).status).toBe(403);
    expect((await call(server.url, 'GET', '/v1/telemetry')).status).toBe(405);
    expect((await call(server.url, 'POST', '/v1/telemetry/')).status).toBe(404);
    expect(records.map((r) => [r.method, r.status])).toEqual([
      ['OPTIONS', 403],
      ['GET', 405],
      ['POST', 404],
    ]);
  });
});
