import type { ErrorCategory } from '../errors/category.js';
import type { FleetAlert, FleetReport, FleetThresholds } from './fleetTypes.js';
import { sortedCounts } from './format.js';

/** What the runbook (docs/runbook.md) tells a person to do, per failure category. */
export const RUNBOOK_ACTIONS: Readonly<Partial<Record<ErrorCategory, string>>> = Object.freeze({
  network:
    'Check the proxy (HTTPS_PROXY, NO_PROXY, the corporate TLS certificate) and add a mirror to the manifest (runbook: network timeout).',
  timeout:
    'Check the proxy (HTTPS_PROXY, NO_PROXY) and add a mirror closer to the fleet, e.g. an nginx slice cache (runbook: network timeout).',
  rate_limit: 'Add a mirror or a shared cache so that fewer machines ask the Hub (runbook: network timeout).',
  circuit_open: 'A mirror is down: add a mirror to the manifest (runbook: network timeout).',
  corruption:
    'Pin the manifest from the Hub (`manifest pin`) and remove or report the mirror serving bad bytes (runbook: checksum mismatch).',
  disk_full:
    'Disk too small for the selected models: free space, pick a larger --dir or install fewer models (`wan22-install models` suggests what to remove) (runbook: disk full).',
  authentication: 'Accept the model licence on its Hub page and set HF_TOKEN (runbook: gated models).',
  dependency:
    'Build a wheelhouse on a connected machine and pass --wheelhouse, or set --index-url (runbook: dependency resolution).',
});

const GENERIC_ACTION =
  'Open the failed machines’ support bundles (`wan22-install report --bundle`) and follow the runbook for their category.';

/** The runbook's alerts: install success and duration, full disks, then event rates over all attempts. */
export function fleetAlerts(
  installs: FleetReport['installs'],
  rates: FleetReport['rates'],
  attempts: number,
  thresholds: FleetThresholds,
): FleetAlert[] {
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const alerts: FleetAlert[] = [];
  if (installs.known > 0 && installs.successRate < thresholds.installSuccessRate) {
    const [top] = sortedCounts(installs.failureCategories);
    const cause = top ? ` Most failed with ${top[0]} (${top[1]}).` : '';
    alerts.push({
      id: 'install-success',
      severity: 'critical',
      message: `Install success ${pct(installs.successRate)} (${installs.failed} of ${installs.known} failed) is below ${pct(thresholds.installSuccessRate)}.${cause}`,
      action: (top && RUNBOOK_ACTIONS[top[0] as ErrorCategory]) || GENERIC_ACTION,
      value: installs.successRate,
      threshold: thresholds.installSuccessRate,
    });
  }
  const diskFull = installs.failureCategories.disk_full ?? 0;
  if (diskFull > 0) {
    alerts.push({
      id: 'disk-full',
      severity: 'critical',
      message: `${diskFull} install${diskFull === 1 ? '' : 's'} failed on a full disk.`,
      action: `Disk too small on ${diskFull} machine${diskFull === 1 ? '' : 's'} for the selected models: free space, pick a larger --dir or install fewer models (\`wan22-install models\` suggests what to remove) (runbook: disk full).`,
      value: diskFull,
      threshold: 0,
    });
  }
  if (installs.known > 0 && installs.averageDurationMs > thresholds.averageInstallMs) {
    alerts.push({
      id: 'install-duration',
      severity: 'warning',
      message: `Installs take ${(installs.averageDurationMs / 60_000).toFixed(1)} min on average, more than ${(thresholds.averageInstallMs / 60_000).toFixed(1)} min.`,
      action:
        'Add a mirror closer to the fleet (or an nginx slice cache) and check the proxy; lift --bandwidth limits that are no longer needed (runbook: network timeout).',
      value: installs.averageDurationMs,
      threshold: thresholds.averageInstallMs,
    });
  }
  const rateAlert = (
    id: FleetAlert['id'],
    value: number,
    threshold: number,
    what: string,
    category: ErrorCategory,
  ) => {
    if (attempts > 0 && value > threshold) {
      alerts.push({
        id,
        severity: 'warning',
        message: `${what} ${pct(value)} of attempts (recovered ones included), above ${pct(threshold)}.`,
        action: RUNBOOK_ACTIONS[category] ?? GENERIC_ACTION,
        value,
        threshold,
      });
    }
  };
  rateAlert(
    'network-timeouts',
    rates.timeout,
    thresholds.networkTimeoutRate,
    'Network timeouts hit',
    'timeout',
  );
  rateAlert(
    'checksum-failures',
    rates.checksum,
    thresholds.checksumFailureRate,
    'Checksum failures hit',
    'corruption',
  );
  rateAlert(
    'circuit-open',
    rates.circuitOpen,
    thresholds.circuitOpenRate,
    'Open circuits rejected',
    'circuit_open',
  );
  return alerts;
}
