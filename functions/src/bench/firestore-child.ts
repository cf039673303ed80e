import { startFirestoreServer } from '../testing/firestore-server';

/** The in-process Firestore server of the tests, run in a child process by bench:ingest (its CPU is not the ingest's). */
void startFirestoreServer().then((server) => {
  process.send!({ host: server.host });
  process.on('disconnect', () => (server.stop(), process.exit(0)));
});
