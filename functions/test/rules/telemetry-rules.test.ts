import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertFails, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc } from 'firebase/firestore';
import { officialEmulator } from '../support/firestore';

// Rules are evaluated only by the official emulator (the in-process server and the Admin SDK bypass them).
const suite = officialEmulator ? describe : describe.skip;

suite('telemetry collections are server only (official emulator only: rules run there)', () => {
  let env: RulesTestEnvironment;
  const paths = ['telemetry_keys/k1', 'telemetry_keys/k1/telemetry_usage/60000_a', 'telemetry_releases/web__v1/telemetry_minutes/60000_0'];

  beforeAll(async () => {
    const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(':');
    env = await initializeTestEnvironment({
      projectId: `demo-telrules-${Date.now().toString(36)}`,
      firestore: { host, port: Number(port), rules: readFileSync(join(__dirname, '../../../firestore.rules'), 'utf8') },
    });
    await env.withSecurityRulesDisabled(async (ctx) => {
      for (const path of paths) await setDoc(doc(ctx.firestore(), path), { minute: 60000 });
    });
  });
  afterAll(async () => env?.cleanup());

  it.each(paths)('denies reads and writes of %s to every client, an admin included', async (path) => {
    for (const db of [env.authenticatedContext('alice', { admin: true }).firestore(), env.authenticatedContext('bob').firestore(), env.unauthenticatedContext().firestore()]) {
      await assertFails(getDoc(doc(db, path)));
      await assertFails(setDoc(doc(db, path), { tampered: true }));
      await assertFails(deleteDoc(doc(db, path)));
    }
  });

  it('denies listing the keys and the aggregates, an admin included', async () => {
    const db = env.authenticatedContext('alice', { admin: true }).firestore();
    await assertFails(getDocs(collection(db, 'telemetry_keys')));
    await assertFails(getDocs(collection(db, 'telemetry_releases/web__v1/telemetry_minutes')));
  });
});
