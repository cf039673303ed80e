import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The load side of bench:ingest, run in a child process so that the clients' CPU is not charged to
 * the ingest process it measures. Told by its parent what to send; answers with the statuses and
 * latencies it saw.
 */
export type LoadCommand =
  | { kind: 'burst'; port: number; key: string; installs: number }
  | { kind: 'sustained'; port: number; key: string; seconds: number; concurrency: number };

/** `cpuMs`: CPU the load process itself spent (user + system), so the bench can say what the clients cost. */
export type LoadResult = { accepted: number; other: number; latencies: number[]; seconds: number; cpuMs: number };

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/telemetry', method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let seq = 0;
function body(key: string, install: string): string {
  seq += 1;
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  return JSON.stringify({
    key,
    batchId: `bench-${process.pid}-${seq}`,
    installId: install,
    platform: 'web',
    release: 'v29.1.0',
    channel: 'alpha',
    windows: [{ start: new Date(minute).toISOString(), requests: 30, errors: 1, sessions: 1, latencyMs: { counts: { '20': 20, '25': 9, '40': 1 } } }],
  });
}

async function run(cmd: LoadCommand): Promise<LoadResult> {
  const latencies: number[] = [];
  let accepted = 0;
  let other = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const one = async (install: string) => {
    const t0 = performance.now();
    const status = await post(cmd.port, body(cmd.key, install));
    latencies.push(performance.now() - t0);
    if (status === 202) accepted += 1;
    else other += 1;
  };
  if (cmd.kind === 'burst') {
    await Promise.all(Array.from({ length: cmd.installs }, (_, i) => one(`burst-install-${String(i).padStart(4, '0')}`)));
  } else {
    // Installs spread so that none passes its 6 batches a minute.
    let n = 0;
    await Promise.all(
      Array.from({ length: cmd.concurrency }, async () => {
        while (performance.now() - start < cmd.seconds * 1000) await one(`load-install-${String(n++ % 40_000).padStart(6, '0')}`);
      }),
    );
  }
  const used = process.cpuUsage(cpu);
  return { accepted, other, latencies, seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000 };
}

process.on('message', (cmd: LoadCommand) => {
  void run(cmd).then(
    (result) => process.send!(result),
    (error: unknown) => process.send!({ error: String(error) }),
  );
});
