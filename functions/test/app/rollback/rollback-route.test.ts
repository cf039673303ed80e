import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../../src/http/app';
import { canaryId } from '../../../src/core/canary';
import { MemoryAuditLog, MemoryCanaryStore } from '../../fakes/memory-store';
import { sampleCanary, T0 } from '../../adapters/firestore/sample-canary';

let server: Server;
let url: string;
const audit = new MemoryAuditLog();
const canaries = new MemoryCanaryStore(undefined, audit);

beforeAll(async () => {
  const app = createApp({
    canaries,
    audit,
    clock: { now: () => T0 + 60_000 },
    authenticate: async (authorization) =>
      authorization === 'Bearer good' ? { ok: true, caller: { actor: 'ops-key', kind: 'api_key' } } : { ok: false, status: 401, body: { error: 'unauthenticated' } },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

function post(body: unknown, auth = 'Bearer good') {
  return fetch(`${url}/rollback`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('POST /rollback', () => {
  test('sets a manual rollback request and answers 202 with the canary id, idempotently', async () => {
    const id = canaryId('desktop', 'v28R.1', 'beta');
    canaries.docs.set(id, sampleCanary({ id, platform: 'desktop', release: 'v28R.1', channel: 'beta' }));
    const first = await post({ version: 'v28R.1', reason: 'Critical bug in auth flow' });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ canaryId: id, status: 'requested', generation: 1, severity: 'normal' });
    const again = await post({ version: 'v28R.1', reason: 'Critical bug in auth flow' });
    expect(await again.json()).toMatchObject({ canaryId: id, status: 'already_requested', generation: 1 });
    expect(canaries.docs.get(id)!.rollbackRequest).toMatchObject({ trigger: 'manual', requestedBy: 'ops-key', reason: 'Critical bug in auth flow' });
  });

  test('asks for platform or channel when several canaries match, and finds none with 404', async () => {
    for (const p of ['web', 'mobile'] as const) {
      const id = canaryId(p, 'v40', 'alpha');
      canaries.docs.set(id, sampleCanary({ id, platform: p, release: 'v40', channel: 'alpha' }));
    }
    const ambiguous = await post({ version: 'v40', reason: 'x' });
    expect(ambiguous.status).toBe(409);
    expect(((await ambiguous.json()) as { candidates: string[] }).candidates).toHaveLength(2);
    expect((await post({ version: 'v40', reason: 'x', platform: 'web' })).status).toBe(202);
    expect((await post({ version: 'v41', reason: 'x' })).status).toBe(404);
  });

  test('refuses a rollback of a release already rolled back with 409 (D9)', async () => {
    const id = canaryId('web', 'v50', 'stable');
    canaries.docs.set(id, sampleCanary({ id, release: 'v50', channel: 'stable', status: 'rolled_back' }));
    const res = await post({ version: 'v50', reason: 'again' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'rollback_refused', canaryId: id });
  });

  test('severity critical: 202 for a desktop release, recorded on the request; the answer says the severity', async () => {
    const id = canaryId('desktop', 'v60', 'stable');
    canaries.docs.set(id, sampleCanary({ id, platform: 'desktop', release: 'v60', channel: 'stable', previousRelease: 'v59' }));
    const res = await post({ version: 'v60', reason: 'Data loss', severity: 'critical' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ canaryId: id, status: 'requested', generation: 1, severity: 'critical' });
    expect(canaries.docs.get(id)!.rollbackRequest).toMatchObject({ severity: 'critical', trigger: 'manual' });
    const again = await post({ version: 'v60', reason: 'Data loss' });
    expect(await again.json()).toMatchObject({ status: 'already_requested', severity: 'critical' });
  });

  test('severity critical on web or mobile is a 400 naming the field, with or without platform in the body; nothing written', async () => {
    const id = canaryId('mobile', 'v61', 'beta');
    canaries.docs.set(id, sampleCanary({ id, platform: 'mobile', release: 'v61', channel: 'beta', previousRelease: 'v60' }));
    for (const body of [
      { version: 'v61', reason: 'x', severity: 'critical', platform: 'web' },
      { version: 'v61', reason: 'x', severity: 'critical', platform: 'mobile' },
      { version: 'v61', reason: 'x', severity: 'critical' },
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: string; fields: { field: string; message: string }[] };
      expect(answer.error).toBe('invalid_request');
      expect(answer.fields).toEqual([expect.objectContaining({ field: 'severity', message: expect.stringMatching(/desktop only/) as string })]);
    }
    expect(canaries.docs.get(id)!.rollbackRequest).toBeUndefined();
    const unknown = await post({ version: 'v61', reason: 'x', severity: 'urgent' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { fields: { field: string }[] }).fields[0]!.field).toBe('severity');
  });

  test('severity critical with no previous release is refused with 409 and the reason', async () => {
    const id = canaryId('desktop', 'v70', 'stable');
    canaries.docs.set(id, sampleCanary({ id, platform: 'desktop', release: 'v70', channel: 'stable', previousRelease: null }));
    const res = await post({ version: 'v70', reason: 'Data loss', severity: 'critical' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'rollback_refused', canaryId: id, reason: expect.stringMatching(/no previous release to make Latest before deleting v70/) as string });
    expect(canaries.docs.get(id)!.rollbackRequest).toBeUndefined();
  });

  test('rejects a bad body with 400 naming the field, and no credentials with 401', async () => {
    const bad = await post({ version: '../x', reason: '' });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { fields: { field: string }[] }).fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['version', 'reason']));
    expect((await post({ version: 'v1', reason: 'x' }, 'Bearer nope')).status).toBe(401);
  });
});
