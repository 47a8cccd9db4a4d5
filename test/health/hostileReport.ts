import { HealthReporter } from '../../src/health/HealthReporter.js';
import type { HealthReport } from '../../src/health/types.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';

/** A real report, then every string in it (keys of free-form records too) set from `text`. */
export function hostileReport(text: (i: number) => string): HealthReport {
  const recovery = new RecoveryRegistry();
  recovery.recordOutcome('network', 'alternative-source', true);
  const reporter = new HealthReporter({
    openTelemetry: false,
    recovery,
    circuits: () => [{ name: 'c', state: 'open', consecutiveFailures: 2 }],
    redact: (s) => s,
  });
  reporter.record({ component: 'a', operation: 'b', success: false, durationMs: 5, category: 'timeout' });
  reporter.record({ component: 'a', operation: 'b', success: true, durationMs: 5, recovered: true });
  reporter.recordInstall({ success: false, durationMs: 10, category: 'network' });
  let n = 0;
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return text(n++);
    if (Array.isArray(value)) return value.map(visit);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const free = k === 'labels' || k === 'errors' || k === 'attemptErrors';
        out[k] = free
          ? { [text(n++)]: typeof Object.values(v as object)[0] === 'number' ? 3 : text(n++) }
          : visit(v);
      }
      return out;
    }
    return value;
  };
  return visit(reporter.report()) as HealthReport;
}
