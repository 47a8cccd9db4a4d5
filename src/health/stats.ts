import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';

/**
 * Upper bounds (ms) of the latency histogram buckets; a last bucket catches everything above.
 * From 5 ms calls to hour-long installs; the Prometheus exposition uses them as `le` (seconds).
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000,
  3_600_000,
]);

const BOUNDS = Float64Array.from(LATENCY_BOUNDS_MS);
const BUCKETS = BOUNDS.length + 1;
const CATEGORIES = ERROR_CATEGORIES.length;

/** ErrorCategory → index into per-category counters (unknown strings map to `unknown`). */
const CATEGORY_INDEX: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(ERROR_CATEGORIES.map((c, i) => [c, i])),
);
const UNKNOWN_INDEX = ERROR_CATEGORIES.indexOf('unknown');

function categoryIndex(category: string | undefined): number {
  return (category === undefined ? undefined : CATEGORY_INDEX[category]) ?? UNKNOWN_INDEX;
}

function nonZero(counts: Uint32Array): Partial<Record<ErrorCategory, number>> {
  const out: Partial<Record<ErrorCategory, number>> = {};
  for (let i = 0; i < CATEGORIES; i++) if (counts[i]! > 0) out[ERROR_CATEGORIES[i]!] = counts[i]!;
  return out;
}

/** Counters of one component × operation, all fixed-size: recording never allocates. */
export class OperationStats {
  readonly name: string;
  calls = 0;
  successes = 0;
  recovered = 0;
  sumMs = 0;
  maxMs = 0;
  lastOk = true;
  lastMs = 0;
  /** Failures per category, indexed like ERROR_CATEGORIES. */
  readonly failures = new Uint32Array(CATEGORIES);
  /** Failed attempts that were followed by another attempt (retry, fail-over), per category. */
  readonly retriedFailures = new Uint32Array(CATEGORIES);
  /** Sum of {@link retriedFailures}: attempts beyond each call's last one. */
  retried = 0;
  /** Calls per latency bucket (not cumulative), the last one above every bound. */
  readonly buckets = new Float64Array(BUCKETS);

  constructor(name: string) {
    this.name = name;
  }

  record(success: boolean, ms: number, category: string | undefined, recovered: boolean | undefined): void {
    this.calls += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.lastOk = success;
    this.lastMs = ms;
    if (success) {
      this.successes += 1;
      if (recovered === true) this.recovered += 1;
    } else {
      this.failures[categoryIndex(category)]! += 1;
    }
    let b = 0;
    while (b < BOUNDS.length && ms > BOUNDS[b]!) b += 1;
    this.buckets[b]! += 1;
  }

  /** Records an attempt that failed and was followed by another one; not a call outcome. */
  recordRetried(category: string | undefined): void {
    this.retried += 1;
    this.retriedFailures[categoryIndex(category)]! += 1;
  }

  /** Failures per category, non-zero only. */
  errors(): Partial<Record<ErrorCategory, number>> {
    return nonZero(this.failures);
  }

  /** Failed attempts per category, the calls' final failures and the retried ones alike, non-zero only. */
  attemptErrors(): Partial<Record<ErrorCategory, number>> {
    const sum = new Uint32Array(CATEGORIES);
    for (let i = 0; i < CATEGORIES; i++) sum[i] = this.failures[i]! + this.retriedFailures[i]!;
    return nonZero(sum);
  }

  /** Quantile estimated from the histogram (linear inside a bucket, like Prometheus), capped by the max. */
  quantile(q: number): number {
    if (this.calls === 0) return 0;
    const rank = q * this.calls;
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const count = this.buckets[b]!;
      if (seen + count >= rank && count > 0) {
        const lower = b === 0 ? 0 : BOUNDS[b - 1]!;
        const upper = b < BOUNDS.length ? BOUNDS[b]! : this.maxMs;
        return Math.min(lower + (upper - lower) * ((rank - seen) / count), this.maxMs);
      }
      seen += count;
    }
    return this.maxMs;
  }
}

/**
 * State of one component: a rolling window of the last `window` outcomes (success rate), the
 * current run of consecutive failures, a ring of the last `samples` durations (p50/p95) and its
 * operations. Memory is fixed once created.
 */
export class ComponentStats {
  readonly name: string;
  readonly operations = new Map<string, OperationStats>();
  /** The operation recorded last (a one-entry cache that skips the Map lookup on repeat calls). */
  lastOperation: OperationStats | undefined;
  calls = 0;
  successes = 0;
  recovered = 0;
  consecutiveFailures = 0;
  lastFailureAt = 0;
  lastCategory: string | undefined;
  readonly #window: Uint8Array;
  #windowPos = 0;
  #windowCount = 0;
  #windowOk = 0;
  readonly #samples: Float64Array;
  #samplePos = 0;
  #sampleCount = 0;

  constructor(name: string, window: number, samples: number) {
    this.name = name;
    this.#window = new Uint8Array(window);
    this.#samples = new Float64Array(samples);
  }

  record(success: boolean, ms: number, category: string | undefined, recovered: boolean | undefined): void {
    this.calls += 1;
    const w = this.#window;
    const pos = this.#windowPos;
    if (this.#windowCount === w.length) this.#windowOk -= w[pos]!;
    else this.#windowCount += 1;
    w[pos] = success ? 1 : 0;
    this.#windowPos = pos + 1 === w.length ? 0 : pos + 1;
    const s = this.#samples;
    s[this.#samplePos] = ms;
    this.#samplePos = this.#samplePos + 1 === s.length ? 0 : this.#samplePos + 1;
    if (this.#sampleCount < s.length) this.#sampleCount += 1;
    if (success) {
      this.successes += 1;
      this.#windowOk += 1;
      this.consecutiveFailures = 0;
      if (recovered === true) this.recovered += 1;
    } else {
      this.consecutiveFailures += 1;
      this.lastFailureAt = Date.now();
      this.lastCategory = category ?? 'unknown';
    }
  }

  /** Outcomes in the rolling window. */
  get windowCalls(): number {
    return this.#windowCount;
  }

  /** Success rate over the rolling window (1 when nothing was recorded). */
  get successRate(): number {
    return this.#windowCount === 0 ? 1 : this.#windowOk / this.#windowCount;
  }

  /** Duration of the last recorded call, ms (0 before any). */
  get lastDurationMs(): number {
    if (this.#sampleCount === 0) return 0;
    return this.#samples[(this.#samplePos === 0 ? this.#samples.length : this.#samplePos) - 1]!;
  }

  /** p50 and p95 (ms, nearest rank) of the recent durations. */
  percentiles(): { p50: number; p95: number } {
    const n = this.#sampleCount;
    if (n === 0) return { p50: 0, p95: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    return { p50: sorted[Math.ceil(0.5 * n) - 1]!, p95: sorted[Math.ceil(0.95 * n) - 1]! };
  }
}
