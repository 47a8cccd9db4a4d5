import { stat } from 'node:fs/promises';
import { redact } from '@wan/reliability/diagnostics';
import { InstallJournal, orderByDependencies } from '@wan/reliability/install';
import type { Manifest, ManifestModel } from '@wan/reliability/integrity';
import type { Command } from 'commander';
import { EXIT, ExitError } from '../exit.js';
import { takeLock } from '../lock.js';
import { formatBytes, parseList } from '../parse.js';
import { ask } from '../prompts.js';
import { writeReports } from '../reports.js';
import type { Session } from '../session.js';
import { runConfig } from '../steps/config.js';
import { collectRecoveries, type Recovered, runModels } from '../steps/models.js';
import { startInstallMonitor } from '../steps/monitor.js';
import { runPreflight } from '../steps/preflight.js';
import { type PythonPlan, runPython } from '../steps/python.js';
import { printSummary, type StepSummary } from '../summary.js';

/** Flags of `install` beyond the global ones. */
export interface InstallFlags {
  pythonPackages?: string;
  wheelhouse?: string;
  indexUrl?: string;
  python?: string;
}

/** The install steps and what each needs first; ordered (and checked for cycles) by the SDK. */
const STEPS = [
  { id: 'python', dependsOn: [] },
  { id: 'config', dependsOn: ['python'] },
  { id: 'models', dependsOn: ['config'] },
  { id: 'verify', dependsOn: ['models'] },
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
 * preflight → Python venv → config → models → verify → health reports → summary. Every step but
 * preflight and the reports is journaled, so a killed install resumes at the first step not done.
 */
export async function install(session: Session, flags: InstallFlags, signal: AbortSignal): Promise<number> {
  const started = performance.now();
  const manifest = (await session.manifest()) as Manifest;
  const models = session.select(manifest);
  const plan: PythonPlan = {
    packages: flags.pythonPackages ? parseList(flags.pythonPackages) : [],
    wheelhouse: flags.wheelhouse,
    indexUrl: flags.indexUrl,
    python: flags.python ?? 'python3',
  };
  const { out } = session;
  const steps: StepSummary[] = [];
  const recovered: Recovered[] = [];
  const failed: { what: string; why: string; steps: string[] }[] = [];
  const advice: string[] = [];

  out.info(`Preflight (${models.map((m) => m.id).join(', ')} → ${session.layout.root})`);
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

  const release = await takeLock(session.layout.lock);
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
    for (const { id } of orderByDependencies(STEPS)) {
      const before = journal.stepState(id)?.status;
      const t0 = performance.now();
      out.info(`Step ${id}${before === 'done' ? ' (done before, skipped)' : ''}`);
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
      } catch (error) {
        steps.push({
          name: id,
          status: 'failed',
          durationMs: Math.round(performance.now() - t0),
          detail: redact(String((error as Error).message)),
        });
        session.health.record({
          component: 'installer',
          operation: id,
          success: false,
          durationMs: performance.now() - t0,
        });
        throw error;
      }
    }
    ok = true;
    await journal.finish('completed');
  } catch (error) {
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
  session.health.recordInstall({ success: ok, durationMs });
  const summary = {
    ok,
    exitCode: ok ? EXIT.ok : signal.aborted ? EXIT.interrupted : EXIT.failed,
    dir: session.layout.root,
    resumed: runResumed,
    durationMs,
    models: models.map((m) => ({ id: m.id, revision: m.revision, required: m.required })),
    steps,
    recovered,
    failed,
    advice,
    monitorIssues: monitor.issues(),
  };
  const reports = await writeReports(session, summary);
  printSummary(session, { ...summary, reports });
  out.result({ ...summary, reports });
  return summary.exitCode;
}

interface StepInput {
  manifest: Manifest;
  models: readonly ManifestModel[];
  plan: PythonPlan;
  recovered: Recovered[];
  failed: { what: string; why: string; steps: string[] }[];
  handle: Parameters<Parameters<InstallJournal['step']>[1]>[0];
  signal: AbortSignal;
}

async function runStep(id: string, session: Session, input: StepInput): Promise<string> {
  const { manifest, models, plan, recovered, failed, handle, signal } = input;
  if (id === 'python') {
    if (plan.packages.length === 0) return 'no Python packages requested (--python-packages)';
    const pipStarted = performance.now();
    const outcome = await runPython(session, plan, handle, signal, (attempt) => {
      session.out.info(
        `  pip alternative "${attempt.name}": ${attempt.outcome}${attempt.message ? ` (${attempt.message})` : ''}`,
      );
      if (attempt.outcome === 'failed')
        recovered.push({
          what: `pip install via "${attempt.name}" failed`,
          how: 'tried the next alternative',
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
  if (id === 'config') {
    const outcome = await runConfig(session, models, handle, signal);
    if (outcome.recovery) recovered.push({ what: 'configuration generation failed', how: outcome.recovery });
    return `${outcome.source} ${outcome.path}`;
  }
  if (id === 'models') {
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
    if (result.failed.some((f) => required.has(f.model))) {
      throw new Error(`${result.failed.length} file(s) could not be downloaded and verified`);
    }
    return `${result.fixed.length} file(s) fetched or fixed, ${formatBytes(result.bytesTransferred)} transferred`;
  }
  const report = await session.checker(manifest).verify({ models: models.map((m) => m.id), signal });
  const bad = report.models.flatMap((m) =>
    m.files.filter((f) => f.status !== 'ok').map((f) => `${m.id}/${f.path}: ${f.status}`),
  );
  if (bad.length > 0) throw new Error(`verification found ${bad.join(', ')}`);
  return `${report.stats.files} file(s) verified`;
}
