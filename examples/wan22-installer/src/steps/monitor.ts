import { DiagnosticMonitor, type MonitorIssue } from '@wan/reliability/monitor';
import type { Session } from '../session.js';

/** The monitor watching a running install, and what it reported. */
export interface InstallMonitor {
  /** Every issue reported during the install, the latest version of each (by id). */
  issues(): MonitorIssue[];
  /** Stops sampling (idempotent). */
  stop(): void;
}

/**
 * Starts a DiagnosticMonitor for the install: the folder's volume (projected against
 * `session.remainingBytes`, and a warning once it is `--disk-warn-at` full, 80 % by default), memory, CPU and the health of the components the install records.
 * Warnings go to stderr as they appear (stdout stays clean JSON under --json); the monitor records
 * its findings into the session's HealthReporter (component `monitor`), so they reach the reports.
 */
export function startInstallMonitor(session: Session): InstallMonitor {
  // The staging folder (update only) and the SDK's partial downloads live under root: one volume.
  const monitor = new DiagnosticMonitor({
    paths: [session.layout.root],
    health: session.health,
    needBytes: () => session.remainingBytes,
    // The runbook warns when the volume is 80 % full (`--disk-warn-at`); critical stays at 99 %.
    thresholds: {
      diskWarnFreeRatio: 1 - session.diskWarnAt,
      diskCriticalFreeRatio: Math.min(0.01, 1 - session.diskWarnAt),
    },
  });
  const seen = new Map<string, MonitorIssue>();
  monitor.on('monitor:issue', ({ issue }) => {
    seen.set(issue.id, issue);
    session.log.write(issue.severity === 'info' ? 'info' : 'warn', 'monitor-issue', { ...issue });
    session.out.warn(`[${issue.severity}] ${issue.message}`);
    const fix = issue.remediation[0];
    if (fix && issue.severity !== 'info') session.out.warn(`  fix: ${fix}`);
  });
  // A failed sample is not worth stopping the install for; say so once, quietly.
  let sampleFailed = false;
  monitor.on('monitor:error', ({ message }) => {
    if (sampleFailed) return;
    sampleFailed = true;
    session.out.warn(`monitor: a sample failed (${message}); it keeps watching`);
  });
  monitor.start();
  return {
    issues: () => [...seen.values()],
    stop: () => monitor.stop(),
  };
}
