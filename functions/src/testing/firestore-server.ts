import { createServer } from 'node:net';

/** A Firestore-protocol server started in this process, for tests, benchmarks and the local runner. */
export interface RunningFirestoreServer {
  /** host:port, the value FIRESTORE_EMULATOR_HOST takes. */
  host: string;
  stop(): void;
}

/** A port free on the loopback interface right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts @firestore-emulator/server on a free loopback port. It speaks the real gRPC protocol to
 * firebase-admin; it does not isolate transactions and ignores update-time preconditions, which is
 * why every exactly-once guarantee in this product rests on create() of a claim document instead.
 * The package is a devDependency: it is required lazily so that production never loads it.
 */
export async function startFirestoreServer(): Promise<RunningFirestoreServer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { FirestoreServer } = require('@firestore-emulator/server') as typeof import('@firestore-emulator/server');
  const port = await freePort();
  const server = new FirestoreServer();
  await server.start(port);
  return { host: `127.0.0.1:${port}`, stop: () => server.stop() };
}
