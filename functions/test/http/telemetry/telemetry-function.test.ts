import type { Timestamp } from 'firebase-admin/firestore';
import { useDb } from '../../../src/adapters/firestore';
import { minutesOf } from '../../../src/adapters/firestore/telemetry-layout';
import { api } from '../../../src/functions/api';
import { telemetry } from '../../../src/functions/telemetry';
import { testFirestore } from '../../support/firestore';
import { call, listen } from '../harness';
import { addKey, minuteIso } from './harness';

/** What firebase-functions hands the deploy for an onRequest function. */
interface Endpoint {
  concurrency: number | null;
  availableMemoryMb: number | null;
  maxInstances: number | null;
  timeoutSeconds: number | null;
  secretEnvironmentVariables?: unknown[];
  httpsTrigger: { invoker: string[] };
}
const endpointOf = (fn: unknown) => (fn as { __endpoint: Endpoint }).__endpoint;

/**
 * The ingest runs as its own deployed function (issue 12): its own scaling, no secrets, and the
 * exported handler itself serves POST /v1/telemetry on Firestore with the deploy's parameters.
 */
describe('the deployed telemetry function', () => {
  const fs = testFirestore('tel-function');
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    useDb(fs.db);
    // What the deploy's params would provide: a retention other than the default.
    process.env.TELEMETRY_RETENTION_DAYS = '3';
    server = await listen((req, res) => void telemetry(req as never, res as never));
  });
  afterAll(async () => {
    await server.close();
    useDb(undefined);
    delete process.env.TELEMETRY_RETENTION_DAYS;
    await fs.close();
  });

  it("is deployed with its own scaling, public and without the API's secrets", () => {
    const own = endpointOf(telemetry);
    expect(own).toMatchObject({ concurrency: 250, availableMemoryMb: 512, maxInstances: 20, timeoutSeconds: 30, httpsTrigger: { invoker: ['public'] } });
    expect(own.secretEnvironmentVariables ?? []).toEqual([]);
    expect(endpointOf(api).concurrency).not.toBe(own.concurrency);
  });

  it('records a report posted to the exported handler, under the configured retention, and refuses an unknown key', async () => {
    const { key } = await addKey(fs.db);
    const start = Math.floor(Date.now() / 60_000) * 60_000;
    const body = { key, batchId: 'function-batch-01', installId: 'function-install-01', platform: 'web', release: 'fn-release', channel: 'alpha', windows: [{ start: minuteIso(start), requests: 12, errors: 1 }] };
    const reply = await call(server.url, 'POST', '/v1/telemetry', { body, headers: { 'content-type': 'text/plain' } });
    expect([reply.status, reply.json]).toEqual([202, { accepted: 1, dropped: 0, sampleRate: 1 }]);
    const docs = (await minutesOf(fs.db, 'web', 'fn-release').get()).docs;
    expect(docs.map((d) => [d.get('t.requests'), d.get('t.errors')])).toEqual([[12, 1]]);
    expect(docs.map((d) => (d.get('expireAt') as Timestamp).toMillis())).toEqual([start + 3 * 24 * 3600_000]);
    const unknown = await call(server.url, 'POST', '/v1/telemetry', { body: { ...body, key: `cgt_${'y'.repeat(32)}` } });
    expect(unknown.status).toBe(401);
  });
});
