import { connect, type Socket } from 'node:net';
import { testFirestore } from '../support/firestore';
import { startLocalRunner, STORY } from './local-runner-harness';

/** A client that has sent a request's headers and part of its body, and then goes quiet (a stalled browser, a slow uploader). */
async function stalledRequest(baseUrl: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"release":`);
  return socket;
}

describe('the local runner stops on Ctrl-C', () => {
  const store = testFirestore('local-shutdown');
  afterAll(store.close);

  it('exits with 0 on SIGINT even while clients hold requests open on its port', async () => {
    const runner = await startLocalRunner([STORY, '--wait-for-break'], { GCLOUD_PROJECT: store.projectId, LOCAL_TICK_MS: '1000' });
    // The story has begun (the Ctrl-C handler is in place from then on).
    for (const deadline = Date.now() + 30_000; !runner.output().includes('registered canary') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const sockets = [await stalledRequest(runner.baseUrl, '/guardian/check'), await stalledRequest(runner.baseUrl, '/app')];
    // Before the fix, close() waited for these connections: Node's request timeout is 5 minutes.
    const outcome = await Promise.race([runner.stop().then(() => 'exited' as const), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    for (const s of sockets) s.destroy();
    expect(outcome).toBe('exited');
    expect(await runner.exited).toBe(0);
  }, 90_000);
});
