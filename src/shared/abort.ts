import { CancelledError } from '../errors/CancelledError.js';
import { isReliabilityError } from '../errors/ReliabilityError.js';

/**
 * The error to reject with when `signal` aborted: the reason itself when it is one of ours (an
 * enclosing timeout aborts with a TimeoutError), else a CancelledError wrapping the reason.
 */
export function abortError(signal: AbortSignal, operation = 'operation'): Error {
  const reason: unknown = signal.reason;
  if (isReliabilityError(reason)) return reason;
  return new CancelledError(`"${operation}" was cancelled`, { cause: reason });
}

/**
 * Settles like `promise`, or rejects with {@link abortError} as soon as `signal` aborts, whichever
 * comes first. The abort listener is removed when the race settles, so nothing leaks on a
 * long-lived signal.
 */
export function raceAbort<T>(
  promise: PromiseLike<T>,
  signal: AbortSignal | undefined,
  operation?: string,
): Promise<T> {
  if (!signal) return Promise.resolve(promise);
  if (signal.aborted) {
    Promise.resolve(promise).catch(() => {});
    return Promise.reject(abortError(signal, operation));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, operation));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, rejecting early (and clearing the timer) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal, operation?: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal, operation));
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal, operation));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * True when `value` has a callable `then`. A value whose `then` cannot be read (a revoked Proxy, a
 * throwing getter) answers false: `Promise.resolve(value)` then rejects with that read's error, as
 * native promises do, instead of the policy throwing synchronously.
 */
export function isThenable<T>(value: unknown): value is PromiseLike<T> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}
