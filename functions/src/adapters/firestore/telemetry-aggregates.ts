import type { Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import { LATENCY_BUCKET_COUNT } from '../../core/latency-buckets';
import { addScalarCounts } from '../../core/telemetry-bounds';
import type { TelemetryAggregates, TelemetryMinute } from '../../ports';
import { formatSchemaError } from './schema-error';
import { MinuteDocSchema, minutesOf } from './telemetry-layout';

interface MinuteSets {
  all: Set<string>;
  errors: Set<string>;
  crashes: Set<string>;
}

/**
 * The TelemetryAggregates port on Firestore: one range query over the release's minute
 * documents (single-field index on `minute`), summed across shards. Distinct installs are exact:
 * the install entries are unions of hashes, per minute and over the whole range.
 */
export function createFirestoreTelemetryAggregates(db: Firestore): TelemetryAggregates {
  return {
    async read(query) {
      let docs;
      try {
        docs = (await minutesOf(db, query.platform, query.release).where('minute', '>=', query.from).where('minute', '<', query.to).get()).docs;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // gRPC: 3 invalid argument, 7 permission denied, 5 not found are not cured by retrying.
        return { ok: false, error: `telemetry read failed: ${(error as Error).message}`, retryable: !(code === 3 || code === 5 || code === 7) };
      }
      const minutes = new Map<number, TelemetryMinute & { sets: MinuteSets }>();
      const overall: MinuteSets = { all: new Set(), errors: new Set(), crashes: new Set() };
      for (const doc of docs) {
        const parsed = MinuteDocSchema.safeParse(doc.data());
        if (!parsed.success) {
          logger.warn('telemetry minute document skipped: it does not match its schema', { path: doc.ref.path, error: formatSchemaError(parsed.error) });
          continue;
        }
        const d = parsed.data;
        let m = minutes.get(d.minute);
        if (!m) {
          m = {
            minute: d.minute,
            requests: 0,
            errors: 0,
            clientErrors: 0,
            successes: 0,
            sessions: 0,
            crashes: 0,
            latency: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
            installs: 0,
            errorInstalls: 0,
            crashInstalls: 0,
            cappedWindows: 0,
            sets: { all: new Set(), errors: new Set(), crashes: new Set() },
          };
          minutes.set(d.minute, m);
        }
        addScalarCounts(m, d.t);
        m.cappedWindows += d.t.cappedWindows;
        for (const [bucket, count] of Object.entries(d.l)) if (Number(bucket.slice(1)) < LATENCY_BUCKET_COUNT) m.latency[Number(bucket.slice(1))]! += count;
        for (const [h, e] of Object.entries(d.i)) {
          // An entry with nothing counted only holds the marker of a batch whose windows were all dropped.
          if (e.r === 0 && e.s === 0) continue;
          m.sets.all.add(h);
          overall.all.add(h);
          if (e.e > 0) (m.sets.errors.add(h), overall.errors.add(h));
          if (e.c > 0) (m.sets.crashes.add(h), overall.crashes.add(h));
        }
      }
      const out = [...minutes.values()]
        .sort((a, b) => a.minute - b.minute)
        .map(({ sets, ...m }) => ({ ...m, installs: sets.all.size, errorInstalls: sets.errors.size, crashInstalls: sets.crashes.size }));
      return { ok: true, minutes: out, installs: { all: overall.all.size, errors: overall.errors.size, crashes: overall.crashes.size } };
    },
  };
}
