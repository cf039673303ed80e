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

interface StateField {
  type: string;
  value: unknown;
}
interface StateDocument {
  fields: Record<string, StateField>;
  getField(path: string): StateField | undefined;
}
const patched = new WeakSet<object>();

/**
 * The server reads only top-level fields in a query filter ("Not implemented" otherwise), and the
 * evaluation filters on `mttrMissed.open`: a dotted path is walked through map values here, as
 * Firestore does. (Field names with dots or backticks are not used by this product.)
 */
function supportNestedFieldFilters(proto: StateDocument): void {
  if (patched.has(proto)) return;
  patched.add(proto);
  const topLevel = Object.getOwnPropertyDescriptor(proto, 'getField')?.value as StateDocument['getField'];
  proto.getField = function (this: StateDocument, path: string) {
    if (!path.includes('.')) return topLevel.call(this, path);
    const [first, ...rest] = path.split('.');
    let field: StateField | undefined = this.fields[first!];
    for (const name of rest) field = field?.type === 'map_value' ? (field.value as Record<string, StateField>)[name] : undefined;
    return field;
  };
}

/**
 * Starts @firestore-emulator/server on a free loopback port. It speaks the real gRPC protocol to
 * firebase-admin; it does not isolate transactions and ignores update-time preconditions, which is
 * why every exactly-once guarantee in this product rests on create() of a claim document instead.
 * The package is a devDependency: it is required lazily so that production never loads it.
 */
export async function startFirestoreServer(): Promise<RunningFirestoreServer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { FirestoreServer, FirestoreStateDocument } = require('@firestore-emulator/server') as typeof import('@firestore-emulator/server');
  supportNestedFieldFilters(FirestoreStateDocument.prototype as unknown as StateDocument);
  const port = await freePort();
  const server = new FirestoreServer();
  await server.start(port);
  return { host: `127.0.0.1:${port}`, stop: () => server.stop() };
}
