/**
 * Runs in a fresh process (spawned by coldstart.ts): measures one thing and prints one JSON line.
 *   providers            require the firebase-functions providers the entry uses, nothing else
 *   entry                require the built entry (lib/index.js)
 *   invoke <name>        require the entry, then invoke that function once, as the platform would
 * For `invoke` it also reports which heavy client libraries ended up loaded, so a function that
 * pays for a client it does not use shows up.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const HEAVY = ['@google-cloud/monitoring', 'googleapis/', '@googleapis/androidpublisher', '@octokit/rest', 'jose/'];

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Our own dependencies only: firebase-functions loads a private copy of jose (via jwks-rsa) itself.
const OWN_MODULES = resolve(__dirname, '..', '..', 'node_modules') + '/';

function loadedHeavy(): string[] {
  const keys = Object.keys(require.cache);
  return HEAVY.filter((h) => keys.some((k) => k.startsWith(OWN_MODULES + h)));
}

type Endpoint = { httpsTrigger?: unknown; scheduleTrigger?: unknown; eventTrigger?: { eventType?: string } };
type Deployed = ((...args: unknown[]) => unknown) & { __endpoint?: Endpoint };

async function callHttp(fn: Deployed, path: string, headers: Record<string, string>, method = 'GET'): Promise<number> {
  // The Functions Framework hands functions Express requests (the scheduler wrapper needs req.header).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as typeof import('express');
  const app = express();
  app.use((req, res) => void fn(req, res));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const status = await new Promise<number>((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
  server.close();
  return status;
}

async function invoke(fn: Deployed): Promise<string> {
  const endpoint = fn.__endpoint ?? {};
  if (endpoint.httpsTrigger) {
    return `HTTP ${await callHttp(fn, '/canaries?status=running', { authorization: 'Bearer bench-key-0123456789abcdef' })}`;
  }
  if (endpoint.scheduleTrigger) {
    const scheduleTime = new Date().toISOString();
    return `HTTP ${await callHttp(fn, '/', { 'x-cloudscheduler-scheduletime': scheduleTime }, 'POST')}`;
  }
  if (endpoint.eventTrigger) {
    // A Firestore CloudEvent in its JSON encoding: a canary that does not exist any more.
    const now = new Date().toISOString();
    const name = `projects/${process.env.GCLOUD_PROJECT}/databases/(default)/documents/canaries/coldstart-probe`;
    await fn({
      specversion: '1.0',
      id: `coldstart-${Date.now()}`,
      source: `//firestore.googleapis.com/projects/${process.env.GCLOUD_PROJECT}/databases/(default)`,
      type: endpoint.eventTrigger.eventType,
      time: now,
      datacontenttype: 'application/json',
      document: 'canaries/coldstart-probe',
      database: '(default)',
      namespace: '(default)',
      location: 'us-central1',
      project: process.env.GCLOUD_PROJECT,
      data: { value: { name, fields: { status: { stringValue: 'running' } }, createTime: now, updateTime: now } },
    });
    return 'event handled';
  }
  return 'unknown trigger';
}

async function main(): Promise<void> {
  const [mode, name] = process.argv.slice(2);
  const entryPath = resolve(__dirname, '..', 'index.js');
  const start = process.hrtime.bigint();
  if (mode === 'providers') {
    // A synchronous require is what is being measured, exactly as the runtime loads the entry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const p of ['https', 'scheduler', 'firestore', 'params', 'logger']) require(`firebase-functions/${p}`);
    process.stdout.write(JSON.stringify({ mode, requireMs: ms(start) }) + '\n');
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const entry = require(entryPath) as Record<string, Deployed>;
  const requireMs = ms(start);
  if (mode === 'entry') {
    process.stdout.write(JSON.stringify({ mode, requireMs, exports: Object.keys(entry), heavyLoaded: loadedHeavy() }) + '\n');
    return;
  }
  const fn = entry[name];
  if (!fn) throw new Error(`no exported function ${name}`);
  const invokeStart = process.hrtime.bigint();
  const outcome = await invoke(fn);
  process.stdout.write(JSON.stringify({ mode, name, requireMs, firstInvocationMs: ms(invokeStart), outcome, heavyLoaded: loadedHeavy() }) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`coldstart probe failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
