import { stat } from 'node:fs/promises';
import { classifyError } from '@wan/reliability';
import { redact } from '@wan/reliability/diagnostics';
import { InstallJournal, orderByDependencies } from '@wan/reliability/install';
import type { Manifest, ManifestModel } from '@wan/reliability/integrity';
import type { Command } from 'commander';
import { type AlternativeOffer, alternativeOffers, bestVram } from '../alternatives.js';
import { EXIT, ExitError } from '../exit.js';
import { takeLock } from '../lock.js';
import { formatBytes, parseList } from '../parse.js';
import { ask } from '../prompts.js';
import { writeReports } from '../reports.js';
import type { Session } from '../session.js';
import { collectRecoveries, describeAttempt, splitRecoveries } from '../steps/models.js';
import { startInstallMonitor } from '../steps/monitor.js';
import { runPreflight } from '../steps/preflight.js';
import type { PythonPlan } from '../steps/python.js';
import { type FailedItem, runStep } from '../steps/runStep.js';
import { printSummary, type StepSummary } from '../summary.js';
import { formatBudget } from '../timeouts.js';

/** Flags of `install` beyond the global ones. */
export interface InstallFlags {
  pythonPackages?: string;
  wheelhouse?: string;
  indexUrl?: string;
  python?: string;
}

/** The install steps, what each needs first, and the budget it runs under (shown in the summary). */
const STEPS = [
  { id: 'python', dependsOn: [], budget: 'dependency_install', per: 'per pip alternative' },
  { id: 'config', dependsOn: ['python'], budget: 'system_detection', per: 'GPU detection' },
  { id: 'models', dependsOn: ['config'], budget: 'model_download', per: 'per file, ×2 above 5 GB' },
  { id: 'verify', dependsOn: ['models'], budget: 'validation', per: '' },
] as const;

/** Adds the install-only flags to a command. */
export function installFlags(command: Command): Command {
  return command
    .option('--python-packages <list>', 'Python packages to install into the venv (comma-separated)')
    .option('--wheelhouse <dir>', 'offline wheel folder for the last pip alternative (--find-links)')
    .option('--index-url <url>', 'package index for pip')
    .option('--python <path>', 'Python interpreter that creates the venv', 'python3');
}

/**
 * Offers each model's alternative when this machine's GPU cannot run it (A14B needs 80 GB; TI2V-5B
 * 24 GB). On a terminal the person chooses; otherwise the selection stays and the offer is advice.
 */
async function offerAlternatives(
  session: Session,
  manifest: Manifest,
  models: ManifestModel[],
): Promise<{ models: ManifestModel[]; offers: AlternativeOffer[]; switched: string[] }> {
  const offers = alternativeOffers(
    manifest,
    models,
    await bestVram(session.timeouts.get('system_detection')),
  );
  const switched: string[] = [];
  let chosen = models;
  for (const offer of offers) {
    session.out.info(`  offer ${offer.reason}`);
    const question = `Install ${offer.alternative} instead of ${offer.model}?`;
    if (session.interactive && (await ask(question, true, false))) {
      const alternative = manifest.models.find((m) => m.id === offer.alternative);
      if (alternative) {
        chosen = chosen.filter((m) => m.id !== offer.model && m.id !== offer.alternative).concat(alternative);
        switched.push(`${offer.model} → ${offer.alternative}`);
      }
    }
  }
  return { models: chosen, offers, switched };
}

/**
 * preflight → Python venv → config → models → verify → health reports → summary. Every step but
 * preflight and the reports is journaled, so a killed install resumes at the first step not done;
 * every step runs under its TimeoutManager budget.
 */
export async function install(session: Session, flags: InstallFlags, signal: AbortSignal): Promise<number> {
  const started = performance.now();
  const manifest = (await session.manifest()) as Manifest;
  const plan: PythonPlan = {
    packages: flags.pythonPackages ? parseList(flags.pythonPackages) : [],
    wheelhouse: flags.wheelhouse,
    indexUrl: flags.indexUrl,
    python: flags.python ?? 'python3',
  };
  const { out } = session;
  const steps: StepSummary[] = [];
  const recovered = session.recovered;
  const failed: FailedItem[] = session.failed;
  const advice: string[] = [];

  const selected = session.select(manifest);
  out.info(`Preflight (${selected.map((m) => m.id).join(', ')} → ${session.layout.root})`);
  const offered = await offerAlternatives(session, manifest, selected);
  const models = offered.models;
  for (const offer of offered.offers)
    if (!offered.switched.some((s) => s.startsWith(offer.model)))
      advice.push(`${offer.reason} To install it instead: --models ${offer.alternative}`);
  // Disk space is checked for what is still missing (a resumed or repeated install needs less).
  const needed = (await stat(session.layout.root).catch(() => undefined))
    ? (await session.checker(manifest).verify({ models: models.map((m) => m.id), signal })).bytesToDownload
    : models.reduce((sum, m) => sum + m.files.reduce((s, f) => s + f.size, 0), 0);
  const pre = await runPreflight(
    session,
    { manifest, models, bytesNeeded: needed, python: plan.packages.length > 0 },
    signal,
  );
  for (const r of pre.report.results) out.info(`  ${r.status.padEnd(5)} ${r.title}: ${r.message}`);
  advice.push(...pre.advice);
  if (pre.blocking.length > 0) {
    const message = `Preflight failed: ${pre.blocking.join('; ')}`;
    out.result({ ok: false, exitCode: EXIT.preflight, preflight: pre.report, failed: pre.blocking });
    throw new ExitError(message, EXIT.preflight);
  }
  const question = `Download ${formatBytes(needed)} of models into ${session.layout.root}?`;
  if (!(await ask(question, session.interactive, true))) {
    out.result({ ok: false, exitCode: EXIT.failed, error: 'declined' });
    throw new ExitError('Nothing was installed (declined).', EXIT.failed);
  }

  const release = await takeLock(session.layout.lock, session);
  session.log.attach(session.layout.root);
  const journal = await InstallJournal.open({
    file: session.layout.journal,
    root: session.layout.root,
    redact,
  });
  const stopCollecting = collectRecoveries(session, recovered);
  session.remainingBytes = needed;
  const monitor = startInstallMonitor(session);
  let ok = false;
  let runResumed = false;
  let failure: unknown;
  try {
    await session.saveManifest();
    const { resumed } = await journal.begin('install', {
      meta: { models: models.map((m) => `${m.id}@${m.revision}`) },
    });
    runResumed = resumed;
    if (resumed) {
      const done = journal.current?.steps.filter((s) => s.status === 'done').map((s) => s.name) ?? [];
      out.info(`Resuming the interrupted install${done.length ? ` (already done: ${done.join(', ')})` : ''}`);
    }
    for (const step of orderByDependencies(STEPS)) {
      const { id } = step;
      const before = journal.stepState(id)?.status;
      const t0 = performance.now();
      const budget = `budget ${formatBudget(session.timeouts.get(step.budget))}${step.per ? ` ${step.per}` : ''}`;
      out.info(`Step ${id}${before === 'done' ? ' (done before, skipped)' : ` (${budget})`}`);
      session.log.write('info', 'step-start', { step: id, budget });
      try {
        const detail = await journal.step(
          id,
          (handle) => runStep(id, session, { manifest, models, plan, recovered, failed, handle, signal }),
          { signal },
        );
        steps.push({
          name: id,
          status: before === 'done' ? 'skipped (done before)' : 'done',
          durationMs: Math.round(performance.now() - t0),
          ...(typeof detail === 'string' ? { detail } : {}),
        });
        session.health.record({
          component: 'installer',
          operation: id,
          success: true,
          durationMs: performance.now() - t0,
        });
        session.log.write('info', 'step-done', { step: id, detail });
      } catch (error) {
        const category = classifyError(error).category;
        steps.push({
          name: id,
          status: 'failed',
          durationMs: Math.round(performance.now() - t0),
          detail: redact(String((error as Error).message).split('\n')[0] ?? ''),
        });
        session.health.record({
          component: 'installer',
          operation: id,
          success: false,
          durationMs: performance.now() - t0,
          category,
        });
        session.log.write('error', 'step-failed', { step: id, category, message: (error as Error).message });
        throw error;
      }
    }
    ok = true;
    await journal.finish('completed');
  } catch (error) {
    failure = error;
    await journal.finish('failed').catch(() => {});
    const cancelled = signal.aborted;
    if (!failed.some((f) => f.what === 'install')) {
      failed.push({
        what: cancelled ? 'install (interrupted)' : 'install',
        why: redact((error as Error).message),
        steps: [],
      });
    }
    for (const s of STEPS)
      if (!steps.some((x) => x.name === s.id))
        steps.push({ name: s.id, status: 'not reached', durationMs: 0 });
    if (cancelled)
      out.warn(
        'Interrupted: downloads paused; partial files are kept. Run the same command again to resume.',
      );
  } finally {
    monitor.stop();
    stopCollecting();
    await release();
  }
  const durationMs = Math.round(performance.now() - started);
  const exitCode = ok
    ? EXIT.ok
    : signal.aborted
      ? EXIT.interrupted
      : failure instanceof ExitError
        ? failure.exitCode
        : EXIT.failed;
  session.health.recordInstall({
    success: ok,
    durationMs,
    ...(ok || failure === undefined ? {} : { category: classifyError(failure).category }),
  });
  // Retries of files that failed in the end belong to their failure, not to "recovered".
  const split = splitRecoveries(
    recovered,
    failed.map((f) => f.what.replace(/ \([a-z_]+\)$/, '')),
  );
  for (const f of failed) {
    const tried = split.tried.get(f.what.replace(/ \([a-z_]+\)$/, '')) ?? [];
    if (tried.length > 0) f.steps.unshift(`tried: ${tried.map(describeAttempt).join('; ')}`);
  }
  const summary = {
    ok,
    exitCode,
    dir: session.layout.root,
    resumed: runResumed,
    durationMs,
    timeoutScale: session.timeoutScale,
    models: models.map((m) => ({ id: m.id, revision: m.revision, required: m.required })),
    alternatives: offered.offers,
    switched: offered.switched,
    steps,
    recovered: split.recovered,
    failed,
    advice,
    monitorIssues: monitor.issues(),
  };
  if (!ok && failure !== undefined && !signal.aborted) session.failure = { error: failure, phase: 'install' };
  const reports = await writeReports(session, summary);
  printSummary(session, { ...summary, reports });
  out.result({ ...summary, reports });
  // The person-facing steps of an access failure (exit 4) are the last thing on the screen.
  if (failure instanceof ExitError && failure.exitCode === EXIT.action) out.warn(failure.message);
  return exitCode;
}
