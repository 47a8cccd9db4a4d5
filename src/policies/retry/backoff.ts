/** How random variation is applied to the delay schedule. */
export type JitterMode = 'none' | 'full' | 'decorrelated' | 'bounded';

/** Default spread of the `bounded` jitter mode: ±20 % around each scheduled delay. */
export const DEFAULT_JITTER_RATIO = 0.2;

/** Inputs of {@link nextDelay}. */
export interface BackoffSchedule {
  /** Explicit delays in ms for the first retries; beyond its end the last delay doubles. */
  readonly delays: readonly number[];
  /** Upper bound of any delay, in ms. */
  readonly maxDelay: number;
  /** Jitter mode. */
  readonly jitter: JitterMode;
  /** Spread of the `bounded` mode, in [0, 1]: delays vary by ±ratio × scheduled. Default 0.2. */
  readonly jitterRatio?: number;
}

/**
 * The deterministic delay before retry number `retryIndex` (0-based): the explicit schedule, then
 * the last delay doubling per further retry, never above `maxDelay`.
 */
export function scheduledDelay(retryIndex: number, delays: readonly number[], maxDelay: number): number {
  if (delays.length === 0) return 0;
  const explicit = delays[retryIndex];
  if (explicit !== undefined) return Math.min(explicit, maxDelay);
  const last = delays[delays.length - 1] as number;
  // 0 × 2 ** 1024 would be NaN: a zero delay stays zero however often it doubles.
  if (last === 0) return 0;
  const doublings = retryIndex - delays.length + 1;
  // 2 ** 1100 is Infinity, so huge indexes saturate at maxDelay instead of overflowing.
  return Math.min(last * 2 ** Math.min(doublings, 1100), maxDelay);
}

/**
 * The delay before retry `retryIndex`, with jitter applied:
 * - `none`: the schedule as is;
 * - `full`: uniform in [0, scheduled] (AWS "full jitter", spreads synchronized clients best);
 * - `decorrelated`: uniform in [first delay, 3 × previous delay], capped (AWS "decorrelated jitter");
 * - `bounded`: uniform in [scheduled × (1 − ratio), scheduled × (1 + ratio)], capped — the schedule
 *   keeps its shape (2 s, 4 s, 8 s stay about that) while a fleet of clients does not retry in lockstep.
 *
 * @param previousDelay - the delay used before the previous retry (decorrelated mode), or undefined
 * @param random - a uniform [0, 1) source, injectable for tests
 */
export function nextDelay(
  retryIndex: number,
  schedule: BackoffSchedule,
  previousDelay: number | undefined,
  random: () => number = Math.random,
): number {
  const base = scheduledDelay(retryIndex, schedule.delays, schedule.maxDelay);
  switch (schedule.jitter) {
    case 'none':
      return base;
    case 'full':
      return Math.floor(random() * base);
    case 'decorrelated': {
      const floor = Math.min(schedule.delays[0] ?? 0, schedule.maxDelay);
      if (previousDelay === undefined) return floor;
      const ceiling = Math.min(Math.max(previousDelay * 3, floor), schedule.maxDelay);
      return Math.floor(floor + random() * (ceiling - floor));
    }
    case 'bounded': {
      const ratio = schedule.jitterRatio ?? DEFAULT_JITTER_RATIO;
      return Math.min(Math.floor(base * (1 - ratio + 2 * ratio * random())), schedule.maxDelay);
    }
  }
}
