import { CircuitBreaker } from '../policies/circuit/CircuitBreaker.js';
import type { CircuitBreakerOptions } from '../policies/circuit/options.js';
import type { CircuitPermit } from '../policies/circuit/permit.js';

/** A permit that never counts anything (breakers disabled). */
const FREE_PERMIT: CircuitPermit = { success() {}, failure() {}, release() {} };

/**
 * Per-mirror health for one Downloader: a CircuitBreaker per origin (named `download:<origin>`,
 * listed by `CircuitBreaker.registry()`), the last failure that counted against each origin (the
 * context shown while a file waits for its cool-down), and the origins demoted for the rest of the
 * run because they served corrupt bytes (tried after every other mirror).
 *
 * The breakers guard origins, not files: the download code reports to them only failures that say
 * something about the origin (see `isOriginFailure`), at most one per retry cycle of a file.
 */
export class MirrorHealth {
  readonly #options: CircuitBreakerOptions | false;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #lastFailure = new Map<string, unknown>();
  readonly #demoted = new Set<string>();

  constructor(options: CircuitBreakerOptions | false) {
    this.#options = options;
  }

  /** The breaker of `url`'s origin (created on first use); undefined when breakers are disabled. */
  breakerFor(url: URL): CircuitBreaker | undefined {
    if (this.#options === false) return undefined;
    let breaker = this.#breakers.get(url.origin);
    if (!breaker) {
      breaker = new CircuitBreaker({ ...this.#options, name: `download:${url.origin}` });
      this.#breakers.set(url.origin, breaker);
    }
    return breaker;
  }

  /** Permission for one request to `url`'s origin; undefined while its breaker rejects requests. */
  tryAcquire(url: URL): CircuitPermit | undefined {
    const breaker = this.breakerFor(url);
    return breaker ? breaker.tryAcquire() : FREE_PERMIT;
  }

  /** Whether a request to `url`'s origin would be admitted now. */
  admits(url: URL): boolean {
    const breaker = this.breakerFor(url);
    if (!breaker || breaker.state === 'closed') return true;
    const permit = breaker.tryAcquire();
    permit?.release();
    return permit !== undefined;
  }

  /** Remaining cool-down of `url`'s origin in ms (0 when closed or half-open). */
  retryAfterMs(url: URL): number {
    return this.#breakers.get(url.origin)?.retryAfterMs ?? 0;
  }

  /** Remembers the failure that was counted against `url`'s origin. */
  noteFailure(url: URL, error: unknown): void {
    this.#lastFailure.set(url.origin, error);
  }

  /** The last failure counted against `url`'s origin (context for a file that waits on it). */
  lastFailure(url: URL): unknown {
    return this.#lastFailure.get(url.origin);
  }

  /** Marks the origin as having served corrupt bytes. */
  demote(url: URL): void {
    this.#demoted.add(url.origin);
  }

  /** Whether the origin was demoted in this run. */
  isDemoted(url: URL): boolean {
    return this.#demoted.has(url.origin);
  }

  /** `urls` in the order to try: given order, demoted origins last. */
  order(urls: readonly URL[]): URL[] {
    return [...urls.filter((url) => !this.isDemoted(url)), ...urls.filter((url) => this.isDemoted(url))];
  }

  /** Disposes every breaker (removes them from the registry). */
  dispose(): void {
    for (const breaker of this.#breakers.values()) breaker.dispose();
    this.#breakers.clear();
    this.#lastFailure.clear();
  }
}
