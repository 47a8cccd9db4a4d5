import type { MonitorIssue } from '@wan/reliability/monitor';
import type { Session } from './session.js';
import type { Recovered } from './steps/models.js';

/** One step's line in the summary. */
export interface StepSummary {
  name: string;
  status: 'done' | 'skipped (done before)' | 'failed' | 'not reached';
  durationMs: number;
  detail?: string;
}

/** The human summary at the end of `install`: steps, recoveries, failures, monitor warnings, reports. */
export function printSummary(
  session: Session,
  summary: {
    ok: boolean;
    durationMs: number;
    steps: StepSummary[];
    recovered: Recovered[];
    failed: { what: string; why: string; steps: string[] }[];
    advice: string[];
    monitorIssues: readonly MonitorIssue[];
    reports: { html: string; json: string; markdown: string };
    /** Models replaced by their alternative on the person's request (`A → B`). */
    switched?: readonly string[];
  },
): void {
  const { out } = session;
  out.info('');
  out.info(`WAN2.2 install: ${summary.ok ? 'OK' : 'FAILED'} in ${(summary.durationMs / 1000).toFixed(1)} s`);
  for (const swap of summary.switched ?? []) out.info(`  installed instead (GPU): ${swap}`);
  for (const s of summary.steps)
    out.info(
      `  ${s.status === 'failed' ? '✗' : s.status === 'not reached' ? '·' : '✓'} ${s.name}: ${s.status}${s.detail ? ` — ${s.detail}` : ''}`,
    );
  out.info(
    summary.recovered.length
      ? 'Recovered automatically:'
      : 'Recovered automatically: nothing needed recovery',
  );
  for (const r of summary.recovered) out.info(`  - ${r.what} → ${r.how}`);
  out.info(summary.failed.length ? 'Failed:' : 'Failed: nothing');
  for (const f of summary.failed) {
    out.info(`  - ${f.what}: ${f.why}`);
    for (const step of f.steps.slice(0, 3)) out.info(`      ${step}`);
  }
  out.info(summary.monitorIssues.length ? 'Monitor warnings:' : 'Monitor warnings: none');
  for (const issue of summary.monitorIssues) out.info(`  - [${issue.severity}] ${issue.message}`);
  for (const a of summary.advice) out.info(`Advice: ${a}`);
  out.info(`HTML report: ${summary.reports.html}`);
  out.info(`(also ${summary.reports.json} and ${summary.reports.markdown})`);
}
