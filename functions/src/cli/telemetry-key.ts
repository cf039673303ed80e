import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreIngestKeyStore } from '../adapters/firestore';
import { newIngestKey } from '../app/telemetry/keys';
import { PLATFORMS, type Platform } from '../core/types';
import { printable } from '../http/log';
import type { IngestKey } from '../ports';

const USAGE = `usage: npm run telemetry:key -- <command> [--project ID]
  create --app NAME --platforms web,desktop,mobile [--origins https://a.example,https://b.example] [--app-check] [--reports-per-minute N] [--sample-rate R]
  list
  revoke KEY_ID
Against FIRESTORE_EMULATOR_HOST when set, else the project with application default credentials.`;

function flags(args: string[]): { positional: string[]; opts: Map<string, string | true> } {
  const positional: string[] = [];
  const opts = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) positional.push(a);
    else if (a === '--app-check') opts.set('app-check', true);
    else opts.set(a.slice(2), args[++i] ?? '');
  }
  return { positional, opts };
}

class UsageError extends Error {}

function origins(raw: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of list) {
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new UsageError(`--origins: ${printable(o, 80)} is not an origin`);
    }
    if (url.origin !== o || !/^https?:$/.test(url.protocol)) throw new UsageError(`--origins: ${printable(o, 80)} must be exactly scheme://host[:port], e.g. ${url.origin}`);
  }
  return list;
}

/** `npm run telemetry:key -- create|list|revoke`: publishable ingest keys, printed once on create. */
export async function main(argv: string[], out: (line: string) => void): Promise<number> {
  const { positional, opts } = flags(argv);
  const [command, id] = positional;
  const project = typeof opts.get('project') === 'string' ? (opts.get('project') as string) : process.env.GCLOUD_PROJECT ?? 'demo-canary-guardian';
  const name = `telemetry-key-${project}`;
  const store = createFirestoreIngestKeyStore(getFirestore(getApps().find((a) => a.name === name) ?? initializeApp({ projectId: project }, name)));
  try {
    if (command === 'create') {
      const app = opts.get('app');
      if (typeof app !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(app)) throw new UsageError('--app NAME: 1-64 letters, digits, space . _ -');
      const platforms = String(opts.get('platforms') ?? '').split(',').filter(Boolean);
      if (platforms.length === 0 || !platforms.every((p) => (PLATFORMS as readonly string[]).includes(p))) throw new UsageError(`--platforms: a comma list of ${PLATFORMS.join(', ')}`);
      const rpm = opts.get('reports-per-minute');
      const rate = opts.get('sample-rate');
      const record: Omit<IngestKey, 'id'> = {
        app,
        platforms: platforms as Platform[],
        origins: typeof opts.get('origins') === 'string' ? origins(opts.get('origins') as string) : [],
        appCheck: opts.get('app-check') === true,
        revoked: false,
        createdAt: Date.now(),
        ...(typeof rpm === 'string' ? { reportsPerMinute: Number(rpm) } : {}),
        ...(typeof rate === 'string' ? { sampleRate: Number(rate) } : {}),
      };
      if (record.reportsPerMinute !== undefined && !(Number.isInteger(record.reportsPerMinute) && record.reportsPerMinute > 0)) throw new UsageError('--reports-per-minute: a positive integer');
      if (record.sampleRate !== undefined && !(record.sampleRate > 0 && record.sampleRate <= 1)) throw new UsageError('--sample-rate: 0 < r <= 1');
      const { key, id: keyId } = newIngestKey();
      if (!(await store.create({ id: keyId, ...record }))) throw new Error('key id collision; run again');
      out(`created ingest key for ${app} (id ${keyId}) in project ${project}`);
      out(`key: ${key}`);
      out('It is shown only now; it is publishable (it ships inside the app) and grants nothing but reporting.');
      return 0;
    }
    if (command === 'list') {
      for (const read of await store.list()) {
        if (!read.ok) out(`${read.id}  INVALID: ${printable(read.error, 200)}`);
        else {
          const k = read.key;
          out(`${k.id}  ${printable(k.app, 64)}  platforms=${k.platforms.join(',')}  origins=${k.origins.map((o) => printable(o, 100)).join(',') || '-'}  appCheck=${k.appCheck}  ${k.revoked ? 'REVOKED' : 'active'}`);
        }
      }
      return 0;
    }
    if (command === 'revoke') {
      if (!id || !/^[0-9a-f]{32}$/.test(id)) throw new UsageError('revoke KEY_ID: the 32 hex digits shown by list');
      if (!(await store.revoke(id, Date.now()))) {
        out(`no key ${id}`);
        return 1;
      }
      out(`revoked ${id}: instances refuse it within 30 s (their key cache)`);
      return 0;
    }
    throw new UsageError(USAGE);
  } catch (error) {
    out(error instanceof UsageError ? error.message : `error: ${printable((error as Error).message, 300)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), (line) => console.log(line)).then((code) => process.exit(code));
}
