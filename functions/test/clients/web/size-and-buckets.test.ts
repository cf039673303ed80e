import { latencyBucket as serverBucket, STANDARD_LATENCY_BOUNDS } from '../../../src/core/latency-buckets';
import { bundleWebClient, WEB_CLIENT_BUDGET_BYTES } from '../../../src/cli/web-client-bundle';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { WEB_CLIENT_DIR } from '../../../src/cli/web-client-bundle';

interface WindowsModule {
  latencyBucket(ms: number): number;
  createWindows(): { add(now: number, t: Record<string, number>): void; take(): unknown[] };
}

/** The client's windows.ts itself, compiled by esbuild (clients/web is outside this package's TypeScript project). */
async function windowsModule(): Promise<WindowsModule> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({ entryPoints: [join(WEB_CLIENT_DIR, 'src', 'windows.ts')], bundle: true, format: 'cjs', write: false, logLevel: 'silent' });
  const module = { exports: {} as WindowsModule };
  runInNewContext(out.outputFiles[0]!.text, { module, exports: module.exports, Date, Math, Map });
  return module.exports;
}

describe('clients/web as published', () => {
  it('is at most 3 KB minified and gzipped (the issue\'s size budget)', async () => {
    const bundle = await bundleWebClient();
    process.stdout.write(`clients/web: ${bundle.minifiedBytes} bytes minified, ${bundle.gzippedBytes} bytes gzipped (budget ${WEB_CLIENT_BUDGET_BYTES})\n`);
    expect(bundle.code).toContain('startCanaryTelemetry');
    expect(bundle.gzippedBytes).toBeLessThanOrEqual(WEB_CLIENT_BUDGET_BYTES);
  });
});

describe("the web client's minute windows", () => {
  let latencyBucket: WindowsModule['latencyBucket'];
  let createWindows: WindowsModule['createWindows'];
  beforeAll(async () => {
    ({ latencyBucket, createWindows } = await windowsModule());
  });

  it('puts every latency in the same standard bucket as the server, edges included', () => {
    const samples = [0, 5, 9.999, 10, 10.5, 11, 47.3, 150, 1234.5, 48_000, 60_000, 1e7];
    for (const edge of STANDARD_LATENCY_BOUNDS) samples.push(edge, edge * (1 - 1e-12), edge * (1 + 1e-12));
    for (let ms = 0; ms < 50_000; ms += 7.3) samples.push(ms);
    const mismatches = samples.filter((ms) => latencyBucket(ms) !== serverBucket(ms));
    expect(mismatches).toEqual([]);
  });

  it('keeps one window per minute, stamped on its minute boundary, and forgets them once taken', () => {
    const w = createWindows();
    const t = Date.UTC(2026, 10, 29, 10, 0, 59);
    w.add(t, { sessions: 1, requests: 1 });
    w.add(t, { requests: 1, errors: 1, latency: 12 });
    w.add(t + 1000, { requests: 1, clientErrors: 1, latency: 5 });
    const taken = w.take();
    expect(taken).toEqual([
      { start: '2026-11-29T10:00:00Z', requests: 2, errors: 1, clientErrors: 0, sessions: 1, latencyMs: { counts: { '2': 1 } } },
      { start: '2026-11-29T10:01:00Z', requests: 1, errors: 0, clientErrors: 1, sessions: 0, latencyMs: { counts: { '0': 1 } } },
    ]);
    expect(w.take()).toEqual([]);
  });
});
