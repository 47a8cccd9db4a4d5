import type { ModelUpdate } from '@wan/reliability/availability';
import type { Manifest } from '@wan/reliability/integrity';
import { EXIT } from '../exit.js';
import { modelStates } from '../lifecycle.js';
import { takeLock } from '../lock.js';
import { formatBytes } from '../parse.js';
import type { Session } from '../session.js';
import { collectRecoveries, type Recovered } from '../steps/models.js';

/**
 * Per-model state and whether a newer revision exists; exit 0 when every selected model is ready,
 * 1 otherwise. `--deep` re-hashes all. The update check never changes the exit code (that is about
 * the files here), but a failed check is shown per model.
 */
export async function status(session: Session, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const availability = session.availability(manifest);
  try {
    // Asked while the files are verified: the Hub round trip overlaps the local hashing.
    const checking = availability.checkForUpdates({ signal, models: ids });
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
    session.out.result({
      ok,
      exitCode,
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

/** Verifies (deep with --deep) and re-downloads only what is missing, partial or corrupt. */
export async function repair(session: Session, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const release = await takeLock(session.layout.lock);
  const recovered: Recovered[] = [];
  const stop = collectRecoveries(session, recovered);
  try {
    const checker = session.checker(manifest);
    const report = await checker.verify({ models: ids, deep: session.options.deep === true, signal });
    const result = report.ok ? { ok: true, fixed: [], failed: [] } : await checker.repair(report, { signal });
    for (const f of result.fixed)
      session.out.info(`fixed ${f.model}/${f.path} (${f.action}${f.from ? ` from ${f.from}` : ''})`);
    for (const f of result.failed) {
      session.out.info(`FAILED ${f.model}/${f.path}: ${f.message}`);
      for (const step of f.manualSteps) session.out.info(`  ${step}`);
    }
    for (const r of recovered) session.out.info(`recovered: ${r.what} → ${r.how}`);
    session.out.info(result.ok ? 'Repair: everything verified.' : 'Repair: some files could not be fixed.');
    const exitCode = result.ok ? EXIT.ok : EXIT.failed;
    session.out.result({
      ok: result.ok,
      exitCode,
      fixed: result.fixed,
      failed: result.failed.map(({ error: _error, ...rest }) => rest),
      recovered,
    });
    return exitCode;
  } finally {
    stop();
    await release();
  }
}
