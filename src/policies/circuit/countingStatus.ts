import type Opossum from 'opossum';
import { lazyRequire } from '../../shared/lazyRequire.js';

type StatusInstance = Opossum.Status & { increment(property: string, latency?: number): void };
type StatusClass = new (options: Opossum.StatusOptions) => StatusInstance;

/** Extra operations our breaker needs on opossum's rolling window. */
export interface CountingStatus extends StatusInstance {
  /** Zeroes every bucket, so a breaker that just closed starts with a clean window. */
  resetCounts(): void;
}

let statusClass: (new (options: Opossum.StatusOptions) => CountingStatus) | undefined;

/**
 * opossum's rolling-window Status, changed in one way: it keeps counts only. opossum stores every
 * call's latency in the current bucket for percentiles, which grows memory with the call rate
 * (1e6 fast calls ≈ 8 MB per window); our breaker decides on counts, and latency belongs to health.
 */
export function createCountingStatus(options: Opossum.StatusOptions): CountingStatus {
  statusClass ??= defineCountingStatus();
  return new statusClass(options);
}

function defineCountingStatus(): new (options: Opossum.StatusOptions) => CountingStatus {
  const probe = lazyRequire<typeof Opossum>('opossum').newStatus({
    rollingCountBuckets: 1,
    rollingCountTimeout: 1000,
    enableSnapshots: false,
  } as Opossum.StatusOptions);
  (probe as unknown as { shutdown(): void }).shutdown();
  const Base = probe.constructor as StatusClass;
  // The window is held under a private symbol; find it once. If opossum renames it, fall back to
  // its own increment (correct, just more memory).
  const windowSymbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'window');
  const bucketsOf = (status: object): Record<string, unknown>[] | undefined =>
    windowSymbol ? (status as Record<symbol, Record<string, unknown>[]>)[windowSymbol] : undefined;

  return class extends Base implements CountingStatus {
    override increment(property: string, latency?: number): void {
      const current = bucketsOf(this)?.[0];
      if (current && typeof current[property] === 'number')
        current[property] = (current[property] as number) + 1;
      else super.increment(property, latency);
    }

    resetCounts(): void {
      for (const bucket of bucketsOf(this) ?? []) {
        for (const key of Object.keys(bucket)) {
          if (typeof bucket[key] === 'number') bucket[key] = 0;
          else if (Array.isArray(bucket[key])) bucket[key] = [];
        }
      }
    }
  };
}
