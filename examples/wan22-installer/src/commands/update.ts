import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '@wan/reliability/diagnostics';
import { InstallJournal, type StepHandle } from '@wan/reliability/install';
import { loadManifest, type ManifestModel } from '@wan/reliability/integrity';
import { EXIT, ExitError, UsageError } from '../exit.js';
import { takeLock } from '../lock.js';
import { ask } from '../prompts.js';
import type { Session } from '../session.js';
import { collectRecoveries, runModels } from '../steps/models.js';

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Whether a model's pinned content differs between two manifests. */
function changed(before: ManifestModel | undefined, after: ManifestModel): boolean {
  if (!before) return false;
  const key = (m: ManifestModel) =>
    JSON.stringify([m.revision, m.files.map((f) => [f.path, f.size, f.sha256])]);
  return key(before) !== key(after);
}

/**
 * Moves installed models to the revision in `--manifest`: the new files are assembled beside the
 * old ones (unchanged files hard-linked, the rest downloaded), verified, then switched in with a
 * rename; the old folder is kept (for `rollback`). Any failure rolls the update back.
 */
export async function update(session: Session, signal: AbortSignal): Promise<number> {
  if (!session.options.manifest) throw new UsageError('update needs --manifest <new manifest>');
  const next = await loadManifest(path.resolve(session.options.manifest));
  const { layout, out } = session;
  if (!(await exists(layout.installedManifest))) {
    throw new UsageError(`Nothing is installed in ${layout.root}; run install first.`);
  }
  const current = await loadManifest(layout.installedManifest);
  const models = session.select(next).filter((m) =>
    changed(
      current.models.find((c) => c.id === m.id),
      m,
    ),
  );
  if (models.length === 0) {
    out.info('Everything installed is already at the manifest revision.');
    out.result({ ok: true, exitCode: EXIT.ok, updated: [] });
    return EXIT.ok;
  }
  const release = await takeLock(layout.lock, session);
  const journal = await InstallJournal.open({ file: layout.journal, root: layout.root, redact });
  const recovered = session.recovered;
  const stop = collectRecoveries(session, recovered);
  try {
    await journal.begin('update', { meta: { models: models.map((m) => `${m.id}@${m.revision}`) } });
    for (const model of models) {
      const old = current.models.find((c) => c.id === model.id) as ManifestModel;
      const staging = path.join(layout.staging, model.revision.slice(0, 16));
      await journal.step(
        `stage:${model.id}`,
        async (handle) => {
          await stage(session, old, model, staging, handle);
          const result = await runModels(session, next, [model], signal, staging);
          if (!result.ok)
            throw new Error(
              `could not download ${model.id}@${model.revision}: ${result.failed.map((f) => f.path).join(', ')}`,
            );
          const check = await session
            .checker(next, staging)
            .verify({ models: [model.id], deep: true, signal });
          if (!check.ok) throw new Error(`${model.id}@${model.revision} did not verify in staging`);
          out.info(`${model.id}: new revision ${model.revision.slice(0, 12)} staged and verified`);
        },
        { signal },
      );
      await journal.step(
        `switch:${model.id}`,
        async (handle) => {
          const live = path.join(layout.root, model.id);
          const backup = path.join(layout.previous, `${model.id}@${old.revision.slice(0, 16)}`);
          const staged = path.join(staging, model.id);
          // Idempotent, because a killed update runs this step again: each move happens only once.
          if (handle.attempt === 1 || ((await exists(live)) && (await exists(staged)))) {
            await mkdir(layout.previous, { recursive: true });
            await rm(backup, { recursive: true, force: true });
            await handle.record({ kind: 'replaced', path: live, backup });
            await rename(live, backup);
          }
          if (await exists(staged)) await rename(staged, live);
          out.info(`${model.id}: switched to ${model.revision.slice(0, 12)} (previous kept in ${backup})`);
        },
        { signal },
      );
    }
    await journal.step('manifest', async (handle) => {
      const backup = path.join(layout.previous, `manifest-${Date.now()}.json`);
      await mkdir(layout.previous, { recursive: true });
      await handle.record({ kind: 'replaced', path: layout.installedManifest, backup });
      await copyFile(layout.installedManifest, backup);
      await session.saveManifest();
    });
    await journal.step('verify', async () => {
      const report = await session.checker(next).verify({ models: models.map((m) => m.id), signal });
      if (!report.ok) throw new Error('the switched models did not verify');
    });
    await journal.finish('completed');
    const updated = models.map((m) => ({ id: m.id, revision: m.revision }));
    out.info(
      `Updated ${updated.map((u) => u.id).join(', ')}. \`wan22-install rollback\` returns to the previous revision.`,
    );
    out.result({ ok: true, exitCode: EXIT.ok, updated, recovered });
    return EXIT.ok;
  } catch (error) {
    await journal.finish('failed').catch(() => {});
    if (signal.aborted) throw error;
    const undone = await journal.rollback({ operation: 'update' });
    const message = `Update failed (${redact((error as Error).message)}); rolled back ${undone.undone.length} change(s), the previous revision is in place.`;
    out.result({ ok: false, exitCode: EXIT.failed, error: message, rolledBack: undone.undone.length });
    throw new ExitError(message, EXIT.failed, { cause: error });
  } finally {
    stop();
    await release();
  }
}

/** Prepares the staging folder: unchanged files are hard-linked (copied where links fail). */
async function stage(
  session: Session,
  old: ManifestModel,
  model: ManifestModel,
  staging: string,
  handle: StepHandle,
) {
  if (!(await exists(staging))) await handle.record({ kind: 'created', path: staging });
  const oldFiles = new Map(old.files.map((f) => [f.path, f]));
  for (const file of model.files) {
    const prior = oldFiles.get(file.path);
    if (!prior || prior.sha256 !== file.sha256) continue;
    const from = path.join(session.layout.root, model.id, file.path);
    const to = path.join(staging, model.id, file.path);
    if (!(await exists(from)) || (await exists(to))) continue;
    await mkdir(path.dirname(to), { recursive: true });
    await link(from, to).catch(() => copyFile(from, to));
  }
}

/** Undoes the last install or update recorded in the journal. */
export async function rollback(session: Session, signal: AbortSignal): Promise<number> {
  const { layout, out } = session;
  if (!(await ask(`Undo the last install or update in ${layout.root}?`, session.interactive, true))) {
    out.result({ ok: false, exitCode: EXIT.failed, error: 'declined' });
    return EXIT.failed;
  }
  const release = await takeLock(layout.lock, session);
  try {
    const journal = await InstallJournal.open({ file: layout.journal, root: layout.root, redact });
    const result = await journal.rollback({ signal });
    if (!result.run) {
      out.info('Nothing to roll back.');
      out.result({ ok: true, exitCode: EXIT.ok, rolledBack: null, undone: [] });
      return EXIT.ok;
    }
    for (const change of result.undone) out.info(`undid ${change.kind} ${change.path ?? ''}`);
    out.info(`Rolled back the ${result.run.operation} of ${result.run.startedAt}.`);
    out.result({
      ok: true,
      exitCode: EXIT.ok,
      rolledBack: { operation: result.run.operation, startedAt: result.run.startedAt },
      undone: result.undone,
    });
    return EXIT.ok;
  } finally {
    await release();
  }
}
