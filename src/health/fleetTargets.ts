import type { FleetReport, FleetTarget, FleetThresholds } from './fleetTypes.js';
import { duration, percent } from './format.js';

/**
 * The runbook's targets (install success ≥ 90 %, average install < 10 min, network timeouts < 5 %,
 * checksum failures < 1 %, open circuits < 5 % of attempts), each with the fleet's value and whether
 * it is met. `met` is null when there is nothing to measure (no install known, no attempt made).
 */
export function fleetTargets(
  installs: FleetReport['installs'],
  rates: FleetReport['rates'],
  attempts: number,
  t: FleetThresholds,
): FleetTarget[] {
  const known = installs.known > 0;
  const measured = attempts > 0;
  const rate = (id: FleetTarget['id'], label: string, value: number, threshold: number): FleetTarget => ({
    id,
    label,
    target: `≤ ${percent(threshold)} of attempts`,
    value: measured ? value : null,
    observed: measured ? percent(value) : '–',
    met: measured ? value <= threshold : null,
  });
  return [
    {
      id: 'installSuccessRate',
      label: 'Install success',
      target: `≥ ${percent(t.installSuccessRate)}`,
      value: known ? installs.successRate : null,
      observed: known ? `${percent(installs.successRate)} (${installs.succeeded}/${installs.known})` : '–',
      met: known ? installs.successRate >= t.installSuccessRate : null,
    },
    {
      id: 'averageInstallMs',
      label: 'Average install time',
      target: `≤ ${duration(t.averageInstallMs)}`,
      value: known ? installs.averageDurationMs : null,
      observed: known ? duration(installs.averageDurationMs) : '–',
      met: known ? installs.averageDurationMs <= t.averageInstallMs : null,
    },
    rate('networkTimeoutRate', 'Network timeouts', rates.timeout, t.networkTimeoutRate),
    rate('checksumFailureRate', 'Checksum failures', rates.checksum, t.checksumFailureRate),
    rate('circuitOpenRate', 'Open circuits', rates.circuitOpen, t.circuitOpenRate),
  ];
}
