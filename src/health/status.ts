import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { HealthStatus, HealthThresholds } from './types.js';

/**
 * Defaults: healthy needs fewer than 3 consecutive failures and a rolling success rate above 0.5;
 * unhealthy is 5 or more consecutive failures, or a rate below 0.25 over at least 5 calls;
 * anything in between is degraded.
 */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = Object.freeze({
  degradedConsecutiveFailures: 3,
  unhealthyConsecutiveFailures: 5,
  degradedSuccessRate: 0.5,
  unhealthySuccessRate: 0.25,
  minCalls: 5,
});

/** Validates partial thresholds and fills in the defaults. */
export function resolveThresholds(partial: Partial<HealthThresholds> | undefined): HealthThresholds {
  const t = { ...DEFAULT_HEALTH_THRESHOLDS, ...(partial ?? {}) };
  for (const key of ['degradedConsecutiveFailures', 'unhealthyConsecutiveFailures', 'minCalls'] as const) {
    if (!Number.isInteger(t[key]) || t[key] < 0) {
      throw new ConfigurationError(`HealthReporter.thresholds.${key}`, 'a non-negative integer', t[key]);
    }
  }
  for (const key of ['degradedSuccessRate', 'unhealthySuccessRate'] as const) {
    if (!(t[key] >= 0 && t[key] <= 1)) {
      throw new ConfigurationError(`HealthReporter.thresholds.${key}`, 'a number from 0 to 1', t[key]);
    }
  }
  if (t.unhealthyConsecutiveFailures < t.degradedConsecutiveFailures) {
    throw new ConfigurationError(
      'HealthReporter.thresholds.unhealthyConsecutiveFailures',
      `at least degradedConsecutiveFailures (${t.degradedConsecutiveFailures})`,
      t.unhealthyConsecutiveFailures,
    );
  }
  return Object.freeze(t);
}

/** The status for a rolling success rate and a run of consecutive failures. */
export function statusOf(
  successRate: number,
  consecutiveFailures: number,
  windowCalls: number,
  t: HealthThresholds,
): HealthStatus {
  if (windowCalls === 0) return 'healthy';
  if (
    consecutiveFailures >= t.unhealthyConsecutiveFailures ||
    (windowCalls >= t.minCalls && successRate < t.unhealthySuccessRate)
  ) {
    return 'unhealthy';
  }
  if (consecutiveFailures >= t.degradedConsecutiveFailures || successRate <= t.degradedSuccessRate)
    return 'degraded';
  return 'healthy';
}

const RANK: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worse of two statuses. */
export function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[b] > RANK[a] ? b : a;
}
