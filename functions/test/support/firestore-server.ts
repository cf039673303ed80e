export { startFirestoreServer, type RunningFirestoreServer } from '../../src/testing/firestore-server';
