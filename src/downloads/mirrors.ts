import { CircuitBreaker } from '../policies/circuit/CircuitBreaker.js';
import type { CircuitBreakerOptions } from '../policies/circuit/options.js';
import { noopPolicy } from '../policies/policy/compose.js';
import type { Policy } from '../policies/policy/types.js';

function originOf(url: URL): string {
  return url.origin;
}

/**
 * Per-mirror health for one Downloader: a CircuitBreaker per origin (named `download:<origin>`,
 * listed by `CircuitBreaker.registry()`), and the set of origins demoted for the rest of the run
 * because they served corrupt bytes (tried after every other mirror).
 */
export class MirrorHealth {
  readonly #options: CircuitBreakerOptions | false;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #demoted = new Set<string>();

  constructor(options: CircuitBreakerOptions | false) {
    this.#options = options;
  }

  /** The policy that guards requests to `url`'s origin (a no-op when breakers are disabled). */
  breakerFor(url: URL): Policy {
    if (this.#options === false) return noopPolicy;
    const origin = originOf(url);
    let breaker = this.#breakers.get(origin);
    if (!breaker) {
      breaker = new CircuitBreaker({ ...this.#options, name: `download:${origin}` });
      this.#breakers.set(origin, breaker);
    }
    return breaker;
  }

  /** Whether the origin's breaker currently rejects calls. */
  isOpen(url: URL): boolean {
    return this.#breakers.get(originOf(url))?.state === 'open';
  }

  /** Marks the origin as having served corrupt bytes. */
  demote(url: URL): void {
    this.#demoted.add(originOf(url));
  }

  /** Whether the origin was demoted in this run. */
  isDemoted(url: URL): boolean {
    return this.#demoted.has(originOf(url));
  }

  /** `urls` in the order to try: given order, demoted origins last. */
  order(urls: readonly URL[]): URL[] {
    return [...urls.filter((url) => !this.isDemoted(url)), ...urls.filter((url) => this.isDemoted(url))];
  }

  /** Disposes every breaker (removes them from the registry). */
  dispose(): void {
    for (const breaker of this.#breakers.values()) breaker.dispose();
    this.#breakers.clear();
  }
}
