import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * The load side of bench:ingest, run in a child process so that the clients' CPU is not charged to
 * the ingest process it measures. Told by its parent what to send; answers with the statuses and
 * latencies it saw. Each client is one keep-alive connection with one request in flight, written
 * and read by hand: node:http's client cost about as much CPU per report as the ingest's own HTTP
 * handling, on the same two cores, and it is not what the bench measures.
 */
export type LoadCommand =
  | { kind: 'burst'; port: number; key: string; release: string; installs: number }
  | { kind: 'sustained'; port: number; key: string; release: string; seconds: number; concurrency: number };

/** `cpuMs`: CPU the load process itself spent (user + system), so the bench can say what the clients cost. */
export type LoadResult = { accepted: number; other: number; statuses: Record<string, number>; latencies: number[]; seconds: number; cpuMs: number };

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: `post` sends a request and resolves with the answer's status once its whole body has arrived. */
function connection(port: number): Promise<{ post(body: string): Promise<number>; close(): void }> {
  return new Promise((resolveConnection, rejectConnection) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let pending: { resolve: (status: number) => void; reject: (e: Error) => void } | undefined;
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(HEAD_END);
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.subarray(end + 4 + length);
      const done = pending;
      pending = undefined;
      done?.resolve(Number(head.slice(9, 12)));
    });
    const fail = (e: Error) => (pending?.reject(e), (pending = undefined));
    socket.on('error', (e) => (fail(e), rejectConnection(e)));
    socket.on('close', () => fail(new Error('the ingest closed the connection')));
    socket.once('connect', () =>
      resolveConnection({
        post(body) {
          return new Promise((resolve, reject) => {
            pending = { resolve, reject };
            socket.write(`POST /v1/telemetry HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          });
        },
        close: () => socket.end(),
      }),
    );
  });
}

let seq = 0;
function body(key: string, release: string, install: string): string {
  seq += 1;
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  return JSON.stringify({
    key,
    batchId: `bench-${process.pid}-${seq}`,
    installId: install,
    platform: 'web',
    release,
    channel: 'alpha',
    windows: [{ start: new Date(minute).toISOString(), requests: 30, errors: 1, sessions: 1, latencyMs: { counts: { '20': 20, '25': 9, '40': 1 } } }],
  });
}

async function run(cmd: LoadCommand): Promise<LoadResult> {
  const latencies: number[] = [];
  let accepted = 0;
  let other = 0;
  const statuses: Record<string, number> = {};
  const clients = await Promise.all(Array.from({ length: cmd.kind === 'burst' ? cmd.installs : cmd.concurrency }, () => connection(cmd.port)));
  const start = performance.now();
  const cpu = process.cpuUsage();
  const one = async (client: Awaited<ReturnType<typeof connection>>, install: string) => {
    const t0 = performance.now();
    const status = await client.post(body(cmd.key, cmd.release, install));
    latencies.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 202) accepted += 1;
    else other += 1;
  };
  if (cmd.kind === 'burst') {
    await Promise.all(clients.map((c, i) => one(c, `burst-install-${String(i).padStart(4, '0')}`)));
  } else {
    // Installs spread so that none passes its 6 batches a minute.
    let n = 0;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() - start < cmd.seconds * 1000) await one(c, `load-install-${String(n++ % 40_000).padStart(6, '0')}`);
      }),
    );
  }
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  for (const c of clients) c.close();
  return { accepted, other, statuses, latencies, seconds, cpuMs: (used.user + used.system) / 1000 };
}

process.on('message', (cmd: LoadCommand) => {
  void run(cmd).then(
    (result) => process.send!(result),
    (error: unknown) => process.send!({ error: String(error) }),
  );
});
