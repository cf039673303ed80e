/**
 * `fn` over every item with at most `size` calls in flight, in the items' order; the results in
 * that order. One place for the bounded fan-out the use cases and adapters need (evaluating every
 * canary, sweeping the outbox, reconciling rollbacks, reading telemetry), so that none of them
 * floods a store or an API. A rejection rejects the whole map: callers that must go on past one
 * item's failure catch inside `fn`.
 */
export async function mapBounded<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return out;
}
