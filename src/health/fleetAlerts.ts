import type { FleetAlert, FleetReport, FleetThresholds } from './fleetTypes.js';

/** The runbook's alerts: install success and duration, then timeout, checksum and open-circuit rates. */
export function fleetAlerts(
  installs: FleetReport['installs'],
  rates: FleetReport['rates'],
  calls: number,
  thresholds: FleetThresholds,
): FleetAlert[] {
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const alerts: FleetAlert[] = [];
  if (installs.known > 0 && installs.successRate < thresholds.installSuccessRate) {
    alerts.push({
      id: 'install-success',
      severity: 'critical',
      message: `Install success ${pct(installs.successRate)} (${installs.failed} of ${installs.known} failed) is below ${pct(thresholds.installSuccessRate)}.`,
      value: installs.successRate,
      threshold: thresholds.installSuccessRate,
    });
  }
  if (installs.known > 0 && installs.averageDurationMs > thresholds.averageInstallMs) {
    alerts.push({
      id: 'install-duration',
      severity: 'warning',
      message: `Installs take ${(installs.averageDurationMs / 60_000).toFixed(1)} min on average, more than ${(thresholds.averageInstallMs / 60_000).toFixed(1)} min.`,
      value: installs.averageDurationMs,
      threshold: thresholds.averageInstallMs,
    });
  }
  const rateAlert = (id: FleetAlert['id'], value: number, threshold: number, what: string) => {
    if (calls > 0 && value > threshold) {
      alerts.push({
        id,
        severity: 'warning',
        message: `${what} ${pct(value)} of calls, above ${pct(threshold)}.`,
        value,
        threshold,
      });
    }
  };
  rateAlert('network-timeouts', rates.timeout, thresholds.networkTimeoutRate, 'Network timeouts hit');
  rateAlert('checksum-failures', rates.checksum, thresholds.checksumFailureRate, 'Checksum failures hit');
  rateAlert('circuit-open', rates.circuitOpen, thresholds.circuitOpenRate, 'Open circuits rejected');
  return alerts;
}
