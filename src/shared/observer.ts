import { describeThrown } from '../errors/thrown.js';
import { redact } from './redaction/redact.js';

/** Sources already reported: one warning per source and process, so a broken logger cannot flood stderr. */
const reported = new Set<string>();

/** At most this many distinct sources are remembered (sources are a handful of fixed labels). */
const MAX_REPORTED = 64;

/**
 * Calls an observer — a logger, a health hook, an event listener, an `onRetry` callback — so that
 * nothing it does changes the outcome of the call it observes: a throw is caught, a returned
 * promise that rejects is caught too (an async logger must not raise an unhandled rejection).
 * The first failure of each `source` is reported once as a process warning
 * (`WAN_RELIABILITY_OBSERVER_FAILED`, redacted); later ones are ignored.
 *
 * @param source - a fixed label naming the observer, e.g. `"withReliability logger"`.
 * @param call - invokes the observer.
 */
export function notify(source: string, call: () => unknown): void {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    observerFailed(source, error);
    return;
  }
  settleQuietly(source, result);
}

/**
 * What an observer returned, made harmless: a promise (or any thenable) that rejects is reported
 * like a throw instead of becoming an unhandled rejection. For hot paths that call the observer
 * inline in their own `try`.
 */
export function settleQuietly(source: string, result: unknown): void {
  if ((typeof result === 'object' || typeof result === 'function') && result !== null) {
    // Promise.resolve reads `then` itself and turns a throwing `then` into a rejection.
    Promise.resolve(result).then(undefined, (error: unknown) => observerFailed(source, error));
  }
}

/** Reports an observer's failure once per source; never throws. */
export function observerFailed(source: string, error: unknown): void {
  if (reported.has(source) || reported.size >= MAX_REPORTED) return;
  reported.add(source);
  try {
    process.emitWarning(
      redact(`${source} threw: ${describeThrown(error)}. It is ignored; later failures are not reported.`),
      { code: 'WAN_RELIABILITY_OBSERVER_FAILED' },
    );
  } catch {
    // A process without emitWarning (a sandbox) has nowhere to report to.
  }
}
