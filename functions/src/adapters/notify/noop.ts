import type { Notifier } from '../../ports/notifier';

/**
 * A notifier that sends nothing and says so (tests, dry runs, a destination switched off). It
 * records what it was given, so a test can assert on the message without a network.
 */
export function createNoopNotifier(destination = 'noop'): Notifier & { posted: { id: string; kind: string; idempotencyKey: string }[] } {
  const posted: { id: string; kind: string; idempotencyKey: string }[] = [];
  return {
    destination,
    posted,
    post(event, idempotencyKey) {
      posted.push({ id: event.id, kind: event.kind, idempotencyKey });
      return Promise.resolve({ ok: true, detail: 'not sent (no-op notifier)' });
    },
  };
}
