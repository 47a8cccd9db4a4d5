import type { CircuitBreaker } from '../policies/circuit/CircuitBreaker.js';
import { abortError } from '../shared/abort.js';
import type { MirrorHealth } from './mirrors.js';

/** How often a waiting download looks again and reports the countdown. */
const TICK_MS = 1000;

/** What {@link waitForCooldown} reports while it waits. */
export interface CooldownTick {
  /** Milliseconds until the earliest mirror takes a trial request again (0: trials in flight). */
  readonly retryInMs: number;
  /** The mirror that cools down first. */
  readonly soonest: URL;
}

/**
 * Waits until one of `mirrors` takes a request again (its breaker half-opens with a free trial
 * slot, or closes), reporting the countdown about once a second. Rejects when `signal` aborts (the
 * caller's cancel or the file's time budget), so the wait is bounded.
 */
export async function waitForCooldown(
  health: MirrorHealth,
  mirrors: readonly URL[],
  signal: AbortSignal,
  onTick: (tick: CooldownTick) => void,
): Promise<void> {
  const breakers = new Set<CircuitBreaker>();
  for (const mirror of mirrors) {
    const breaker = health.breakerFor(mirror);
    if (breaker) breakers.add(breaker);
  }
  const ready = () => mirrors.some((mirror) => health.admits(mirror));
  while (!ready()) {
    if (signal.aborted) throw abortError(signal, 'mirror cool-down');
    let soonest = mirrors[0] as URL;
    for (const mirror of mirrors)
      if (health.retryAfterMs(mirror) < health.retryAfterMs(soonest)) soonest = mirror;
    const retryInMs = health.retryAfterMs(soonest);
    onTick({ retryInMs, soonest });
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        for (const breaker of breakers) {
          breaker.off('circuit:half-open', done);
          breaker.off('circuit:close', done);
        }
        resolve();
      };
      const onAbort = () => {
        done();
        reject(abortError(signal, 'mirror cool-down'));
      };
      // Wake at the end of the cool-down when it is sooner than the next tick.
      const timer = setTimeout(done, retryInMs > 0 ? Math.min(TICK_MS, retryInMs + 1) : TICK_MS);
      signal.addEventListener('abort', onAbort, { once: true });
      for (const breaker of breakers) {
        breaker.once('circuit:half-open', done);
        breaker.once('circuit:close', done);
      }
    });
  }
}
