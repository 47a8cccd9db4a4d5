import {
  type PreflightCheck,
  type PreflightReport,
  PreflightValidator,
  WAN22_VRAM_REQUIREMENTS,
} from '@wan/reliability/diagnostics';
import type { Manifest, ManifestModel } from '@wan/reliability/integrity';
import type { Session } from '../session.js';

/** Checks whose failure is advice, not a reason to stop (models can be downloaded without a GPU). */
export const ADVISORY_CHECKS: ReadonlySet<string> = new Set(['gpu', 'memory']);

/** What preflight is asked to check. */
export interface PreflightPlan {
  readonly manifest: Manifest | undefined;
  readonly models: readonly ManifestModel[];
  /** Bytes still to download (0 when unknown or nothing is missing). */
  readonly bytesNeeded: number;
  /** Whether the Python step will run. */
  readonly python: boolean;
}

/** The doctor's checks for this machine and plan. */
export function preflightChecks(session: Session, plan: PreflightPlan): PreflightCheck[] {
  const { checks } = PreflightValidator;
  const list: PreflightCheck[] = [
    checks.nodeVersion('>=20.19'),
    checks.writable(session.layout.root),
    checks.diskSpace({ path: session.layout.root, requiredBytes: Math.max(plan.bytesNeeded, 1) }),
    checks.memory({ minBytes: 2e9 }),
  ];
  const vram = Math.max(0, ...plan.models.map((m) => WAN22_VRAM_REQUIREMENTS[m.id] ?? 0));
  list.push(checks.gpu(vram > 0 ? { minVramBytes: vram } : {}));
  const origins = new Set(
    plan.models.flatMap((m) => m.mirrors.map((mirror) => `${new URL(mirror).origin}/`)),
  );
  // Each mirror gets the network_test budget (30 s × --timeout-scale).
  if (origins.size > 0)
    list.push(checks.network({ urls: [...origins], timeout: session.timeouts.get('network_test') }));
  if (plan.python) list.push(checks.pythonVersion('>=3.9'));
  return list;
}

/**
 * Runs preflight under the system_detection budget (60 s × --timeout-scale: a check that hangs
 * becomes `error`); `blocking` lists the failed checks that stop an install (exit 3).
 */
export async function runPreflight(
  session: Session,
  plan: PreflightPlan,
  signal?: AbortSignal,
): Promise<{ report: PreflightReport; blocking: string[]; advice: string[] }> {
  const validator = new PreflightValidator({
    checks: preflightChecks(session, plan),
    timeout: session.timeouts.get('system_detection'),
  });
  const report = await validator.run({
    ...(signal ? { signal } : {}),
    onSlow: (notice) => session.out.warn(notice.message),
  });
  const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'error');
  return {
    report,
    blocking: bad.filter((r) => !ADVISORY_CHECKS.has(r.id)).map((r) => `${r.title}: ${r.message}`),
    advice: report.results
      .filter((r) => r.status !== 'pass' && ADVISORY_CHECKS.has(r.id))
      .map((r) => `${r.title}: ${r.message}${r.remediation[0] ? ` — ${r.remediation[0]}` : ''}`),
  };
}
