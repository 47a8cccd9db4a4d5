import { ratio } from './fleetRatio.js';
import type { FleetReport } from './fleetTypes.js';
import type { FleetInput } from './reportSchema.js';

/**
 * Reports grouped per period (per hour when they all fall on one day, else per day), oldest first,
 * with calls, success rate, install success and unhealthy instances of each period.
 */
export function fleetTrends(reports: readonly FleetInput[]): FleetReport['trends'] {
  if (reports.length === 0) return [];
  const days = new Set(reports.map((r) => new Date(r.generatedAt).toISOString().slice(0, 10)));
  const keyOf = (r: FleetInput) => {
    const iso = new Date(r.generatedAt).toISOString();
    return days.size === 1 ? `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00` : iso.slice(0, 10);
  };
  const groups = new Map<string, FleetInput[]>();
  for (const r of reports) {
    const key = keyOf(r);
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([period, list]) => {
      const calls = list.reduce((n, r) => n + r.totals.calls, 0);
      const failures = list.reduce((n, r) => n + (r.totals.failures ?? 0), 0);
      const withInstall = list.filter((r) => r.install);
      return {
        period,
        reports: list.length,
        instances: new Set(list.map((r) => r.instance.id)).size,
        calls,
        successRate: ratio(calls - failures, calls, 1),
        ...(withInstall.length > 0
          ? { installSuccessRate: withInstall.filter((r) => r.install?.success).length / withInstall.length }
          : {}),
        unhealthy: list.filter((r) => r.status === 'unhealthy').length,
      };
    });
}
