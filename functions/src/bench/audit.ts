import { performance } from 'node:perf_hooks';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreAuditLog } from '../adapters/firestore/audit-log';
import { sealAuditTrail, verifyAuditTrail } from '../cli/audit-trail';
import { startFirestoreServer } from '../testing/firestore-server';

/**
 * `npm run bench:audit`: append throughput of the admin_audit trail with 8 concurrent writers
 * against the in-process Firestore-protocol server, then the time to seal and verify what they
 * wrote. ENTRIES (default 4000) and WRITERS (default 8) can be set in the environment.
 */
async function main(): Promise<void> {
  const total = Number(process.env.ENTRIES ?? 4000);
  const writers = Number(process.env.WRITERS ?? 8);
  const server = process.env.FIRESTORE_EMULATOR_HOST ? undefined : await startFirestoreServer();
  if (server) process.env.FIRESTORE_EMULATOR_HOST = server.host;
  const app = initializeApp({ projectId: `demo-bench-${Date.now().toString(36)}` }, 'bench');
  const db = getFirestore(app);
  const log = createFirestoreAuditLog(db);
  const append = (i: number) =>
    log.append(
      {
        ts: 1697040000000 + i,
        action: 'auto_rollback',
        actorUid: 'system',
        targetId: `v28R.${i % 50}`,
        meta: { channel: 'stable', reason: 'Error rate 8% (threshold 5%)', rollback_to: 'v28R.0', affected_users: 10000, duration_minutes: 45, trigger: 'auto-policy' },
      },
      `bench:${i}`,
    );

  for (let i = 0; i < 20; i++) await append(-1 - i); // warm the channel up; not measured
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        const { created } = await append(i);
        latencies.push(performance.now() - t);
        if (!created) throw new Error(`entry ${i} was not created`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);

  const sealStart = performance.now();
  const sealed = await sealAuditTrail(db, Date.now(), { lagMs: 0, maxDigestsPerRun: 100 });
  const sealMs = performance.now() - sealStart;
  const verifyStart = performance.now();
  const report = await verifyAuditTrail(db);
  const verifyMs = performance.now() - verifyStart;

  const digests = sealed.status === 'nothing_to_seal' ? 0 : sealed.digests.length;
  console.log(`server: ${server ? 'in-process @firestore-emulator/server' : `FIRESTORE_EMULATOR_HOST=${process.env.FIRESTORE_EMULATOR_HOST}`}; node ${process.version}`);
  console.log(`append: ${total} entries, ${writers} concurrent writers, ${(total / seconds).toFixed(0)} entries/s, latency p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`);
  console.log(`seal: ${report.sealed} entries into ${digests} digests in ${sealMs.toFixed(0)} ms`);
  console.log(`verify: ${report.entries} entries, ${report.digests} digests in ${verifyMs.toFixed(0)} ms, ok=${report.ok}`);
  await deleteApp(app);
  server?.stop();
  if (!report.ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
