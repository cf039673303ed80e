/**
 * npm run bench:evaluate: one scheduled tick over 100 and 1,000 active canaries, with the
 * in-process Firestore server and a fake Cloud Monitoring (REST, 50 ms per call) reached through
 * the real MetricServiceClient. Prints the wall time of a tick, the Monitoring calls and the
 * Firestore writes. Target: a tick under 10 s; Monitoring calls independent of the canary count.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { OAuth2Client } from 'google-auth-library';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore } from '../adapters/firestore';
import { createFirestoreLease } from '../adapters/firestore/lease';
import { createMonitoringMetricsSource } from '../adapters/monitoring/source';
import { unwiredActuators } from '../adapters/noop/unwired-actuators';
import { defaultEvaluateSettings, evaluateAll, type EvaluateDeps } from '../app/evaluate';
import { defaultMetricTemplates } from '../config/metric-templates';
import { defaultPolicy } from '../config/default-policy';
import { initialRolloutState } from '../core/tick';
import type { Canary } from '../core/canary';
import { PLATFORMS, type Platform } from '../core/types';
import type { AuditLog, CanaryStore, MetricsSource } from '../ports';
import type { Lease } from '../ports/lease';
import { startFirestoreServer } from '../testing/firestore-server';

const WINDOW = 60_000;
const LAG = defaultMetricTemplates.ingestionLagSeconds * 1000;
const MONITORING_LATENCY_MS = 50;
const SCHEDULE = Date.parse('2026-01-07T12:00:00Z');
const slug = (r: string) => r.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Cloud Run's latency layout: exponential buckets (compact on the wire; trailing zeros omitted). */
const latencyBuckets = { exponentialBuckets: { numFiniteBuckets: 60, growthFactor: 1.25, scale: 1 } };

function seriesFor(platform: Platform, release: string, ends: number[], errorsPerWindow: number): unknown[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const point = (end: number, value: Record<string, unknown>) => ({ interval: { startTime: iso(end - WINDOW), endTime: iso(end) }, value });
  const count = (n: number) => ends.map((e) => point(e, { int64Value: String(n) }));
  const dist = ends.map((e) => point(e, { distributionValue: { count: '2000', bucketOptions: latencyBuckets, bucketCounts: [...new Array(16).fill('0'), '400', '800', '600', '200'] } }));
  if (platform === 'web') {
    const resource = { type: 'cloud_run_revision', labels: { revision_name: `api-${slug(release)}` } };
    return [
      { metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '2xx' } }, resource, points: count(2000 - errorsPerWindow) },
      { metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '5xx' } }, resource, points: count(errorsPerWindow) },
      { metric: { type: 'run.googleapis.com/request_latencies' }, resource, points: dist },
    ];
  }
  const labels = (event: string) => ({ release, platform, event });
  const resource = { type: 'global', labels: {} };
  return [
    ...[['request', 2000], ['error', errorsPerWindow], ['session', 500], ['crash', 0]].map(([event, n]) => ({
      metric: { type: 'custom.googleapis.com/canary/client_events', labels: labels(String(event)) },
      resource,
      points: count(Number(n)),
    })),
    { metric: { type: 'custom.googleapis.com/canary/request_latency', labels: { release, platform } }, resource, points: dist },
  ];
}

/** A fake Monitoring endpoint: series by metric type and platform label, 50 ms per call. */
async function startFakeMonitoring(all: unknown[]): Promise<{ server: Server; port: number; calls: () => number; reset: () => void }> {
  let calls = 0;
  const byType = new Map<string, string>();
  const server = createServer((req, res) => {
    calls++;
    const url = new URL(req.url ?? '/', 'http://fake');
    const filter = url.searchParams.get('filter') ?? '';
    // Like Monitoring, only points whose end lies in (startTime, endTime] come back.
    const from = Date.parse(url.searchParams.get('interval.startTime') ?? '') || 0;
    const to = Date.parse(url.searchParams.get('interval.endTime') ?? '') || Infinity;
    const cacheKey = `${filter}|${from}|${to}`;
    let body = byType.get(cacheKey);
    if (!body) {
      const type = /metric\.type = "([^"]+)"/.exec(filter)?.[1];
      const platform = /metric\.labels\.platform = "([^"]+)"/.exec(filter)?.[1];
      const matching = all.flatMap((s) => {
        const series = s as { metric: { type: string; labels?: Record<string, string> }; points: { interval: { endTime: string } }[] };
        if (series.metric.type !== type || (platform && series.metric.labels?.platform !== platform)) return [];
        const points = series.points.filter((p) => {
          const end = Date.parse(p.interval.endTime);
          return end > from && end <= to;
        });
        return points.length ? [{ ...series, points }] : [];
      });
      body = JSON.stringify({ timeSeries: matching, nextPageToken: '' });
      byType.set(cacheKey, body);
    }
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }, MONITORING_LATENCY_MS);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, calls: () => calls, reset: () => (calls = 0) };
}

function counted<T extends object>(target: T, methods: string[], counter: { writes: number }): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (methods.includes(String(prop))) counter.writes++;
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

async function run(n: number): Promise<void> {
  const projectId = `demo-bench-evaluate-${n}`;
  const db = getFirestore(initializeApp({ projectId }, projectId));
  const store = createFirestoreCanaryStore(db);
  const createdAt = SCHEDULE - 2 * 86_400_000;
  const canaries: Canary[] = Array.from({ length: n }, (_, i) => {
    const platform = PLATFORMS[i % 3]!;
    return {
      id: `bench-${platform}-${i}`,
      platform,
      release: `v2.${i}.0`,
      previousRelease: 'v1.0.0',
      channel: 'alpha',
      status: 'running',
      dryRun: false,
      createdAt,
      updatedAt: createdAt,
      createdBy: 'bench',
      target: {},
      rollout: initialRolloutState(defaultPolicy, platform, 'alpha', createdAt),
      gates: {},
    };
  });
  for (let i = 0; i < canaries.length; i += 100) await Promise.all(canaries.slice(i, i + 100).map((c) => store.createIfAbsent(c)));

  const ends = (tickMs: number) => {
    const end = Math.floor((tickMs - LAG) / WINDOW) * WINDOW;
    return Array.from({ length: 30 }, (_, i) => end - i * WINDOW);
  };
  const allEnds = [...new Set([...ends(SCHEDULE), ...ends(SCHEDULE + WINDOW), ...ends(SCHEDULE + 2 * WINDOW)])].sort((a, b) => b - a);
  // 2% of the canaries are red (20% errors); the rest are green. One shared baseline per platform.
  const series = [
    ...canaries.flatMap((c, i) => seriesFor(c.platform, c.release, allEnds, i % 50 === 0 ? 400 : 1)),
    ...PLATFORMS.flatMap((p) => seriesFor(p, 'v1.0.0', allEnds, 1)),
  ];
  const fake = await startFakeMonitoring(series);
  const authClient = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  authClient.setCredentials({ access_token: 'bench', expiry_date: Date.now() + 3600e3 });
  const metricsOptions = {
    projectId,
    templates: defaultMetricTemplates,
    clientOptions: { fallback: true, apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', authClient },
  };
  let metrics = createMonitoringMetricsSource(metricsOptions);

  const counter = { writes: 0 };
  let fetchMs = 0;
  const timedMetrics = {
    fetch: async (...args: Parameters<MetricsSource['fetch']>) => {
      const t = performance.now();
      try {
        return await metrics.fetch(...args);
      } finally {
        fetchMs = performance.now() - t;
      }
    },
  };
  const deps: EvaluateDeps = {
    canaries: counted<CanaryStore>(store, ['update', 'recordEvaluation', 'claim', 'markInvalid', 'createIfAbsent'], counter),
    audit: counted<AuditLog>(createFirestoreAuditLog(db), ['append'], counter),
    config: createFirestoreConfigStore(db),
    metrics: timedMetrics,
    actuators: unwiredActuators({ failLoudly: false }),
    lease: counted<Lease>(createFirestoreLease(db), ['acquire', 'release'], counter),
    clock: { now: () => Date.now() },
    logger: { info: () => undefined, warn: () => undefined, error: (m, f) => console.error(m, f) },
    settings: { ...defaultEvaluateSettings },
  };

  const ticks = [
    ['first tick (30 new windows each)', SCHEDULE, false],
    ['next tick (1 new window each)', SCHEDULE + WINDOW, false],
    ['restarted instance (cold reads)', SCHEDULE + 2 * WINDOW, true],
  ] as const;
  for (const [label, at, cold] of ticks) {
    // A new instance has no window cache: it reads the whole lookback again.
    if (cold) metrics = createMonitoringMetricsSource(metricsOptions);
    fake.reset();
    counter.writes = 0;
    const started = performance.now();
    const report = await evaluateAll(deps, new Date(at).toISOString());
    const ms = performance.now() - started;
    const by = (s: string) => report.outcomes.filter((o) => o.status === s).length;
    const rollbacks = report.outcomes.filter((o) => o.status === 'decided' && o.acted.some((a) => a.startsWith('rollback'))).length;
    const missed = report.outcomes.filter((o) => o.status === 'decided' && o.decision !== 'rollback' && Number(o.id.split('-').pop()) % 50 === 0);
    if (at === SCHEDULE && missed.length) console.log('red canaries not rolled back:', JSON.stringify(missed));
    console.log(
      `${String(n).padStart(5)} canaries, ${label.padEnd(33)} ${(ms / 1000).toFixed(2).padStart(6)} s   ` +
        `(metrics fetch ${(fetchMs / 1000).toFixed(2)} s)   Monitoring calls ${fake.calls()}   Firestore writes ${counter.writes}   decided ${by('decided')} failed ${by('failed')} rollbacks ${rollbacks}`,
    );
  }
  fake.server.close();
}

async function main(): Promise<void> {
  const server = await startFirestoreServer();
  process.env.FIRESTORE_EMULATOR_HOST = server.host;
  console.log(`bench:evaluate on ${process.version}, fake Monitoring +${MONITORING_LATENCY_MS} ms per call, in-process Firestore server`);
  console.log('Firestore writes = port-level writes: decision create(), canary update, claims, audit appends, lease create/release.');
  try {
    for (const n of (process.env.BENCH_SIZES ?? "100,1000").split(",").map(Number)) await run(n);
  } finally {
    server.stop();
  }
  // Firestore clients keep sockets open; the figures are printed.
  process.exit(0);
}

void main();
