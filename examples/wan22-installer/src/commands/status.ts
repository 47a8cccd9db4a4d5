import type { ModelUpdate } from '@wan/reliability/availability';
import type { Manifest } from '@wan/reliability/integrity';
import { accessError, refusedFiles } from '../access.js';
import { EXIT } from '../exit.js';
import { modelStates } from '../lifecycle.js';
import { takeLock } from '../lock.js';
import { formatBytes } from '../parse.js';
import type { Session } from '../session.js';
import { collectRecoveries, describeAttempt, splitRecoveries } from '../steps/models.js';
import { failureCause } from '../steps/runStep.js';

/**
 * Per-model state and whether a newer revision exists; exit 0 when every selected model is ready,
 * 1 otherwise. `--deep` re-hashes all; `--offline` skips the update check (nothing leaves the
 * machine). The update check never changes the exit code (that is about the files here), but a
 * failed check is shown per model.
 */
export async function status(
  session: Session,
  flags: { offline?: boolean },
  signal: AbortSignal,
): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const availability = session.availability(manifest);
  try {
    // Asked while the files are verified: the Hub round trip overlaps the local hashing.
    const checking = flags.offline
      ? Promise.resolve({ models: [] as ModelUpdate[] })
      : availability.checkForUpdates({ signal, models: ids });
    // It rejects only on abort; when verify fails first, that rejection must not go unhandled.
    checking.catch(() => {});
    const report = await session
      .checker(manifest)
      .verify({ models: ids, deep: session.options.deep === true, signal });
    const states = await modelStates(session, manifest, report);
    const updates = (await checking).models;
    for (const s of states) {
      const extra = s.percent === undefined ? '' : ` ${s.percent}%`;
      session.out.info(
        `${s.id} @ ${s.revision.slice(0, 12)}: ${s.state}${extra} (${s.files} files, ${formatBytes(s.bytes)})`,
      );
      for (const f of s.missing ?? []) session.out.info(`  missing: ${f}`);
      for (const f of s.corrupt ?? []) session.out.info(`  corrupt: ${f}`);
      for (const a of s.actions ?? []) session.out.info(`  fix: ${a}`);
      const update = updates.find((u) => u.id === s.id);
      if (update) session.out.info(`  ${describeUpdate(update)}`);
    }
    if (updates.some((u) => u.updateAvailable === true)) {
      session.out.info(
        'To update: pin a new manifest (wan22-install manifest pin), then wan22-install update --manifest <it>.',
      );
    }
    const ok = states.every((s) => s.state === 'ready');
    const exitCode = ok ? EXIT.ok : EXIT.failed;
    if (flags.offline) session.out.info('(offline: the Hub was not asked for newer revisions)');
    session.out.result({
      ok,
      exitCode,
      offline: flags.offline === true,
      deep: report.deep,
      models: states,
      // A failed check has no answer: null in the JSON rather than a missing key.
      updates: updates.map((u) => ({ ...u, updateAvailable: u.updateAvailable ?? null })),
    });
    return exitCode;
  } finally {
    availability.close();
  }
}

/** One line: `update available → <rev>: N files, <bytes>`, `up to date` or `update check failed: …`. */
function describeUpdate(update: ModelUpdate): string {
  if (update.updateAvailable === undefined) return `update check failed: ${update.error ?? 'no answer'}`;
  if (!update.updateAvailable) return 'up to date';
  const unverified =
    update.unverified.length > 0
      ? ` (+${update.unverified.length} small files the Hub gives no hash for)`
      : '';
  return `update available → ${(update.remoteRevision ?? '').slice(0, 12)}: ${update.files.length} files, ${formatBytes(update.downloadBytes)}${unverified}`;
}

/**
 * Verifies (deep with --deep) and re-downloads only what is missing, partial or corrupt. Retries of
 * a file that still failed are listed under its failure ("tried: …"), not as recovered.
 */
export async function repair(session: Session, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const release = await takeLock(session.layout.lock, session);
  const events = session.recovered;
  const stop = collectRecoveries(session, events);
  try {
    const checker = session.checker(manifest);
    const report = await checker.verify({ models: ids, deep: session.options.deep === true, signal });
    const result = report.ok ? { ok: true, fixed: [], failed: [] } : await checker.repair(report, { signal });
    const { recovered, tried } = splitRecoveries(
      events,
      result.failed.map((f) => `${f.model}/${f.path}`),
    );
    for (const f of result.fixed)
      session.out.info(`fixed ${f.model}/${f.path} (${f.action}${f.from ? ` from ${f.from}` : ''})`);
    const failed = result.failed.map(({ error: _error, ...rest }) => ({
      ...rest,
      tried: (tried.get(`${rest.model}/${rest.path}`) ?? []).map(describeAttempt),
    }));
    for (const f of failed) {
      session.failed.push({
        what: `${f.model}/${f.path} (${f.status})`,
        why: f.message,
        steps: [...f.tried.map((t) => `tried: ${t}`), ...f.manualSteps],
      });
      session.out.info(`FAILED ${f.model}/${f.path}: ${f.message}`);
      for (const attempt of f.tried) session.out.info(`  tried: ${attempt}`);
      for (const step of f.manualSteps) session.out.info(`  ${step}`);
    }
    for (const r of recovered) session.out.info(`recovered: ${r.what} → ${r.how}`);
    session.out.info(result.ok ? 'Repair: everything verified.' : 'Repair: some files could not be fixed.');
    const refused = refusedFiles(result.failed);
    const exitCode = result.ok ? EXIT.ok : refused.length > 0 ? EXIT.action : EXIT.failed;
    session.out.result({ ok: result.ok, exitCode, fixed: result.fixed, failed, recovered });
    if (!result.ok) {
      const error =
        refused.length > 0
          ? accessError(manifest, refused, session.token.source)
          : new Error(`repair could not fix ${result.failed.length} file(s)`, {
              cause: failureCause(result.failed),
            });
      if (refused.length > 0) session.out.warn(error.message);
      session.failure = { error, phase: 'repair' };
    }
    return exitCode;
  } finally {
    stop();
    await release();
  }
}
