import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreIngestKeyStore, createFirestoreTelemetryAggregates } from '../../../src/adapters/firestore';
import { newIngestKey } from '../../../src/app/telemetry/keys';
import { telemetryDeps, type TelemetryWiringOptions } from '../../../src/functions/telemetry-wiring';
import { createTelemetryApp } from '../../../src/http/telemetry-app';
import type { TelemetryHttpDeps } from '../../../src/http/telemetry-deps';
import type { IngestKey, TelemetryMinute, TelemetryQuery } from '../../../src/ports';
import { call, listen, type Reply } from '../harness';

/** 2026-11-29T07:00:00Z: every test's server clock starts here. */
export const T0 = Date.UTC(2026, 10, 29, 7, 0, 0);

export class TestClock {
  constructor(public ms = T0 + 30_000) {}
  now(): number {
    return this.ms;
  }
}

export const minuteIso = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

let seq = 0;
/** A valid report from one install; `over` replaces fields. */
export function report(key: string, over: Record<string, unknown> = {}, install = 'install-0001'): Record<string, unknown> {
  seq += 1;
  return {
    key,
    batchId: `batch-${String(seq).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    installId: install,
    platform: 'web',
    release: 'v29.1.0',
    channel: 'alpha',
    windows: [{ start: minuteIso(T0), requests: 20, errors: 1, latencyMs: { counts: { '10': 15, '20': 5 } } }],
    ...over,
  };
}

export async function addKey(db: Firestore, over: Partial<IngestKey> = {}): Promise<{ key: string; record: IngestKey }> {
  const { key, id } = newIngestKey();
  const record: IngestKey = { id, app: 'shop-web', platforms: ['web', 'desktop'], origins: ['https://shop.example'], appCheck: false, revoked: false, createdAt: T0, ...over };
  await createFirestoreIngestKeyStore(db).create(record);
  return { key, record };
}

export interface IngestServer {
  url: string;
  deps: TelemetryHttpDeps;
  post(body: unknown, opts?: { headers?: Record<string, string>; query?: string }): Promise<Reply>;
  close(): Promise<void>;
}

/** The ingest app on an ephemeral port, on the given Firestore (one "instance"). */
export async function startIngest(db: Firestore, clock: TestClock, options: Partial<TelemetryWiringOptions> = {}): Promise<IngestServer> {
  const deps = telemetryDeps(db, clock, { verifyAppCheck: () => Promise.reject(new Error('no App Check in this test')), ...options });
  const server = await listen(createTelemetryApp({ ...deps, log: () => undefined }));
  return {
    url: server.url,
    deps,
    post: (body, opts = {}) =>
      call(server.url, 'POST', `/v1/telemetry${opts.query ?? ''}`, { body, headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) } }),
    close: async () => {
      await deps.ingest.idle();
      await server.close();
    },
  };
}

/** What the store holds for a release, summed over the minutes read. */
export async function totals(db: Firestore, query: Partial<TelemetryQuery> = {}) {
  const read = await createFirestoreTelemetryAggregates(db).read({ platform: 'web', release: 'v29.1.0', from: T0 - 60 * 60_000, to: T0 + 60 * 60_000, ...query });
  if (!read.ok) throw new Error(read.error);
  const { minutes, installs } = read;
  const sum = (f: (m: TelemetryMinute) => number) => minutes.reduce((a, m) => a + f(m), 0);
  return {
    minutes,
    installs,
    requests: sum((m) => m.requests),
    errors: sum((m) => m.errors),
    sessions: sum((m) => m.sessions),
    crashes: sum((m) => m.crashes),
    latency: sum((m) => m.latency.reduce((a, b) => a + b, 0)),
    cappedWindows: sum((m) => m.cappedWindows),
  };
}
