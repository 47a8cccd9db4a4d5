import { stat } from 'node:fs/promises';
import { classifyError, type ErrorCategory } from '@wan/reliability';
import type { AlternativeAttempt, InstallJournal } from '@wan/reliability/install';
import type { Manifest, ManifestModel } from '@wan/reliability/integrity';
import { accessError, refusedFiles } from '../access.js';
import { formatBytes } from '../parse.js';
import type { Session } from '../session.js';
import { formatBudget } from '../timeouts.js';
import { runConfig } from './config.js';
import { type Recovered, runModels } from './models.js';
import { type PythonPlan, runPython } from './python.js';

/** A failure for the summary: what, why, and the steps left to a person. */
export interface FailedItem {
  what: string;
  why: string;
  steps: string[];
}

/** What the install steps work with. */
export interface StepInput {
  readonly manifest: Manifest;
  readonly models: readonly ManifestModel[];
  readonly plan: PythonPlan;
  readonly recovered: Recovered[];
  readonly failed: FailedItem[];
  readonly handle: Parameters<Parameters<InstallJournal['step']>[1]>[0];
  readonly signal: AbortSignal;
}

/** Runs one install step (python, config, models, verify) under its time budget; resolves with its summary line. */
export async function runStep(id: string, session: Session, input: StepInput): Promise<string> {
  if (id === 'python') return pythonStep(session, input);
  if (id === 'config') {
    const outcome = await runConfig(session, input.models, input.handle, input.signal);
    if (outcome.recovery)
      input.recovered.push({ what: 'configuration generation failed', how: outcome.recovery });
    return `${outcome.source} ${outcome.path}`;
  }
  if (id === 'models') return modelsStep(session, input);
  // verify: a quick check (stat cache) under the validation budget.
  const budget = session.timeouts.get('validation');
  const report = await session.timeouts
    .policyFor('verify', budget)
    .execute(
      (ctx) =>
        session.checker(input.manifest).verify({ models: input.models.map((m) => m.id), signal: ctx.signal }),
      {
        signal: input.signal,
      },
    );
  const bad = report.models.flatMap((m) =>
    m.files.filter((f) => f.status !== 'ok').map((f) => `${m.id}/${f.path}: ${f.status}`),
  );
  if (bad.length > 0) throw new Error(`verification found ${bad.join(', ')}`);
  return `${report.stats.files} file(s) verified`;
}

/** Each pip alternative gets the dependency_install budget; a hung one is killed and the next runs. */
async function pythonStep(session: Session, input: StepInput): Promise<string> {
  const { plan, recovered, handle, signal } = input;
  if (plan.packages.length === 0) return 'no Python packages requested (--python-packages)';
  const budget = session.timeouts.get('dependency_install');
  const pipStarted = performance.now();
  const outcome = await runPython(session, plan, handle, signal, (attempt: AlternativeAttempt) => {
    const timedOut = attempt.category === 'timeout';
    const why = timedOut
      ? `timed out after ${formatBudget(budget)} (dependency_install budget × ${session.timeoutScale}); killed`
      : attempt.message;
    session.out.info(`  pip alternative "${attempt.name}": ${attempt.outcome}${why ? ` (${why})` : ''}`);
    session.log.write(attempt.outcome === 'failed' ? 'warn' : 'info', 'pip-attempt', { ...attempt });
    if (attempt.outcome !== 'failed') return;
    session.health.recordFailedAttempt({
      component: 'python',
      operation: 'pip install',
      category: (attempt.category ?? 'dependency') as ErrorCategory,
    });
    recovered.push({
      what: `pip install via "${attempt.name}" ${timedOut ? `hung past its ${formatBudget(budget)} budget` : 'failed'}`,
      how: timedOut ? 'killed it and tried the next alternative' : 'tried the next alternative',
    });
  });
  // One outcome per install: a success after failed alternatives (or a recreated venv) is a recovery.
  session.health.record({
    component: 'python',
    operation: 'pip install',
    success: true,
    durationMs: performance.now() - pipStarted,
    recovered: outcome.attempts.some((a) => a.endsWith(': failed')) || outcome.recreated,
  });
  if (outcome.recreated)
    recovered.push({ what: 'broken Python venv', how: 'recreated with python -m venv --clear' });
  return `venv ${outcome.venv}; installed ${plan.packages.join(', ')} with ${outcome.method}`;
}

async function modelsStep(session: Session, input: StepInput): Promise<string> {
  const { manifest, models, failed, handle, signal } = input;
  for (const model of models) {
    const dir = `${session.layout.root}/${model.id}`;
    // Only folders this install creates are removed by a rollback; earlier installs' stay.
    if (!(await stat(dir).catch(() => undefined))) await handle.record({ kind: 'created', path: dir });
  }
  const result = await runModels(session, manifest, models, signal);
  const required = new Set(models.filter((m) => m.required).map((m) => m.id));
  for (const f of result.failed) {
    failed.push({ what: `${f.model}/${f.path} (${f.status})`, why: f.message, steps: [...f.manualSteps] });
  }
  const refused = refusedFiles(result.failed);
  // A refused model is never "optional": the person asked for it and has to act.
  if (refused.length > 0) throw accessError(manifest, refused, session.token.source);
  if (result.failed.some((f) => required.has(f.model))) {
    throw new Error(`${result.failed.length} file(s) could not be downloaded and verified`, {
      cause: failureCause(result.failed),
    });
  }
  return `${result.fixed.length} file(s) fetched or fixed, ${formatBytes(result.bytesTransferred)} transferred`;
}

/**
 * The cause a support bundle shows for failed files: an AggregateError naming the files, with each
 * file's error (at most 5), root causes first — an open circuit is the consequence of failures on
 * other files, not their reason.
 */
export function failureCause(failed: readonly { error: unknown; model: string; path: string }[]): unknown {
  const ranked = [...failed].sort(
    (a, b) =>
      Number(classifyError(a.error).category === 'circuit_open') -
      Number(classifyError(b.error).category === 'circuit_open'),
  );
  return new AggregateError(
    ranked.slice(0, 5).map((f) => f.error),
    `${failed.length} file(s) failed: ${ranked
      .slice(0, 5)
      .map((f) => `${f.model}/${f.path}`)
      .join(', ')}${failed.length > 5 ? ', …' : ''}`,
  );
}
