/** How a promise settled. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Observes a promise without leaving a rejection unhandled while fake time advances: `result`
 * resolves with how it settled, `settled()` says whether it has yet.
 */
export function observe<T>(promise: Promise<T>): { result: Promise<Settled<T>>; settled: () => boolean } {
  let done = false;
  const result = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  result.then(() => {
    done = true;
  });
  return { result, settled: () => done };
}
