import { startFirestoreServer } from '../testing/firestore-server';

/** The in-process Firestore server of the tests, run in a child process by bench:ingest (its CPU is not the ingest's). */
void startFirestoreServer().then((server) => {
  process.send!({ host: server.host });
  process.on('disconnect', () => (server.stop(), process.exit(0)));
  // The bench asks for the server's CPU (user + system, ms) before and after its sustained phase.
  process.on('message', (m: unknown) => {
    const { user, system } = process.cpuUsage();
    if (m === 'cpu') process.send!({ cpuMs: (user + system) / 1000 });
  });
});
