import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { doc, getDoc, setDoc, deleteDoc, collection, getDocs } from 'firebase/firestore';
import { officialEmulator } from '../support/firestore';

// Reliability matrix A4. Rules are evaluated only by the official emulator (the in-process server
// and the Admin SDK bypass them), so this suite runs only when FIRESTORE_EMULATOR_HOST names one.
const suite = officialEmulator ? describe : describe.skip;

suite("firestore.rules through client SDKs (official emulator only: firebase emulators:exec --only firestore 'npm test')", () => {
  let env: RulesTestEnvironment;

  beforeAll(async () => {
    const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(':');
    env = await initializeTestEnvironment({
      projectId: `demo-rules-${Date.now().toString(36)}`,
      firestore: { host, port: Number(port), rules: readFileSync(join(__dirname, '../../../firestore.rules'), 'utf8') },
    });
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await setDoc(doc(db, 'canaries/web__v1__alpha'), { status: 'running' });
      await setDoc(doc(db, 'canaries/web__v1__alpha/evaluations/tick-1'), { verdict: 'green' });
      await setDoc(doc(db, 'canaries/web__v1__alpha/claims/rollback-1'), { by: 'x' });
      await setDoc(doc(db, 'canaries/web__v1__alpha/rollbacks/1/steps/github'), { status: 'done' });
      await setDoc(doc(db, 'admin_audit/e1'), { action: 'auto_rollback' });
      await setDoc(doc(db, 'incidents/web__v1__alpha__g1'), { outcome: 'rolled_back' });
      await setDoc(doc(db, 'incidents/web__v1__alpha__g1/claims/github_issue'), { claimedAt: 1 });
      await setDoc(doc(db, 'admin_audit_digests/0000000001'), { seq: 1 });
      await setDoc(doc(db, 'config/policy'), { x: 1 });
      await setDoc(doc(db, 'notification_outbox/e1'), { status: 'dead' });
      await setDoc(doc(db, 'notification_outbox/e1/attempts/0001'), { attempt: 1 });
      await setDoc(doc(db, 'notification_buckets/web__v1__alpha-0'), { at: 1 });
      await setDoc(doc(db, 'mail/e1-oncall'), { to: ['oncall@example.com'] });
    });
  });
  afterAll(async () => env?.cleanup());

  const readable = [
    'canaries/web__v1__alpha',
    'canaries/web__v1__alpha/evaluations/tick-1',
    'canaries/web__v1__alpha/claims/rollback-1',
    'canaries/web__v1__alpha/rollbacks/1/steps/github',
    'admin_audit/e1',
    'admin_audit_digests/0000000001',
    'incidents/web__v1__alpha__g1',
    'incidents/web__v1__alpha__g1/claims/github_issue',
  ];

  it.each(readable)('lets an admin read %s', async (path) => {
    await assertSucceeds(getDoc(doc(env.authenticatedContext('alice', { admin: true }).firestore(), path)));
  });

  it('lets an admin list the audit trail', async () => {
    await assertSucceeds(getDocs(collection(env.authenticatedContext('alice', { admin: true }).firestore(), 'admin_audit')));
  });

  it.each(readable)('denies %s to a signed-in user without the admin claim and to an anonymous one', async (path) => {
    await assertFails(getDoc(doc(env.authenticatedContext('bob', { admin: false }).firestore(), path)));
    await assertFails(getDoc(doc(env.authenticatedContext('carol').firestore(), path)));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), path)));
  });

  it.each([...readable, 'config/policy', 'elsewhere/x'])('denies every client write to %s, even an admin', async (path) => {
    const db = env.authenticatedContext('alice', { admin: true }).firestore();
    await assertFails(setDoc(doc(db, path), { tampered: true }));
    await assertFails(deleteDoc(doc(db, path)));
    await assertFails(setDoc(doc(env.unauthenticatedContext().firestore(), path), { tampered: true }));
  });

  const serverOnly = ['notification_outbox/e1', 'notification_outbox/e1/attempts/0001', 'notification_buckets/web__v1__alpha-0', 'mail/e1-oncall'];
  it.each(serverOnly)('keeps %s server-only: no client reads or writes it, not even an admin', async (path) => {
    const admin = env.authenticatedContext('alice', { admin: true }).firestore();
    await assertFails(getDoc(doc(admin, path)));
    await assertFails(setDoc(doc(admin, path), { tampered: true }));
    await assertFails(deleteDoc(doc(admin, path)));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), path)));
  });

  it('denies an admin reading collections outside the allow-list', async () => {
    await assertFails(getDoc(doc(env.authenticatedContext('alice', { admin: true }).firestore(), 'config/policy')));
  });
});
