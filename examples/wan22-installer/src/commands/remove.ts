import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { JsonFileUsageStore } from '@wan/reliability/availability';
import { partialDirFor } from '@wan/reliability/downloads';
import type { Manifest } from '@wan/reliability/integrity';
import { EXIT, ExitError, UsageError } from '../exit.js';
import { lockHolder, takeLock } from '../lock.js';
import { formatBytes } from '../parse.js';
import { askDestructive } from '../prompts.js';
import type { Session } from '../session.js';

/** Bytes of regular files under `target`, never following symlinks (a link counts as itself). */
async function sizeOf(target: string): Promise<number> {
  const info = await lstat(target).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.isFile() ? info.size : 0;
  let total = 0;
  for (const entry of await readdir(target)) total += await sizeOf(path.join(target, entry));
  return total;
}

/**
 * Deletes one installed model: its folder under `--dir` (a symlink there is removed, never
 * followed), its partial downloads, and its usage record. Asks first on a terminal (default No).
 */
export async function remove(session: Session, id: string): Promise<number> {
  const { layout, out } = session;
  const manifest = (await session.manifest()) as Manifest;
  const model = manifest.models.find((m) => m.id === id);
  if (!model) {
    throw new UsageError(
      `remove ${id}: no such model; the manifest has ${manifest.models.map((m) => m.id).join(', ')}`,
    );
  }
  const dir = path.join(layout.root, model.id);
  const partials = model.files.map((f) =>
    // The destination exactly as the integrity checker gives it to the Downloader.
    partialDirFor(path.join(layout.root, model.id, ...f.path.split('/')), { root: layout.root }),
  );
  const bytes = (await sizeOf(dir)) + (await Promise.all(partials.map(sizeOf))).reduce((a, b) => a + b, 0);
  if (bytes === 0 && !(await lstat(dir).catch(() => undefined))) {
    out.info(`${model.id} is not installed in ${layout.root}; nothing to remove.`);
    out.result({ ok: true, exitCode: EXIT.ok, removed: null, freedBytes: 0 });
    return EXIT.ok;
  }
  if (
    !(await askDestructive(
      `Remove ${model.id} (${formatBytes(bytes)}) from ${layout.root}?`,
      session.interactive,
    ))
  ) {
    out.info('Nothing was removed.');
    out.result({ ok: false, exitCode: EXIT.failed, error: 'declined' });
    return EXIT.failed;
  }
  const release = await takeLock(layout.lock, session);
  try {
    await rm(dir, { recursive: true, force: true });
    for (const partial of partials) await rm(partial, { recursive: true, force: true });
    const store = new JsonFileUsageStore(path.join(layout.work, 'usage.json'));
    const usage = await store.load();
    if (usage?.models[model.id]) {
      const { [model.id]: _gone, ...rest } = usage.models;
      await store.save({ ...usage, models: rest });
    }
  } finally {
    await release();
  }
  session.log.write('info', 'model-removed', { model: model.id, freedBytes: bytes });
  out.info(
    `Removed ${model.id}: freed ${formatBytes(bytes)}. \`wan22-install install --models ${model.id}\` brings it back.`,
  );
  out.result({ ok: true, exitCode: EXIT.ok, removed: model.id, freedBytes: bytes, path: dir });
  return EXIT.ok;
}

/**
 * Abandons an interrupted install or update: deletes the partial downloads, the staging folder of
 * an update, and the journal, so that the next install starts fresh. Finished files stay. Refuses
 * while another installer is running in the folder.
 */
export async function cancel(session: Session): Promise<number> {
  const { layout, out } = session;
  const holder = await lockHolder(layout.lock);
  if (holder && holder.pid !== process.pid) {
    throw new ExitError(
      `An install is running in ${layout.root} (pid ${holder.pid}): stop it first (Ctrl-C pauses it), then cancel.`,
      EXIT.failed,
    );
  }
  const runs = await readFile(layout.journal, 'utf8').then(
    (text) =>
      (JSON.parse(text) as { runs?: { operation: string; status: string; startedAt: string }[] }).runs ?? [],
    () => [],
  );
  const last = runs.at(-1);
  const partialRoot = path.join(layout.work, 'partial');
  const dropped = (await sizeOf(partialRoot)) + (await sizeOf(layout.staging));
  if ((!last || last.status === 'completed' || last.status === 'rolled-back') && dropped === 0) {
    out.info('Nothing to cancel: no interrupted install and no partial download.');
    out.result({ ok: true, exitCode: EXIT.ok, cancelled: null, droppedBytes: 0 });
    return EXIT.ok;
  }
  const what =
    last && last.status !== 'completed'
      ? `the interrupted ${last.operation} of ${last.startedAt}`
      : 'leftover partial downloads';
  if (
    !(await askDestructive(
      `Cancel ${what} and delete ${formatBytes(dropped)} of partial downloads?`,
      session.interactive,
    ))
  ) {
    out.info('Nothing was cancelled.');
    out.result({ ok: false, exitCode: EXIT.failed, error: 'declined' });
    return EXIT.failed;
  }
  const release = await takeLock(layout.lock, session);
  try {
    await rm(partialRoot, { recursive: true, force: true });
    await rm(layout.staging, { recursive: true, force: true });
    await rm(layout.journal, { force: true });
  } finally {
    await release();
  }
  session.log.write('info', 'install-cancelled', { what, droppedBytes: dropped });
  out.info(
    `Cancelled ${what}: deleted ${formatBytes(dropped)} of partial downloads and the journal. The next install starts fresh.`,
  );
  out.result({
    ok: true,
    exitCode: EXIT.ok,
    cancelled: last ? { operation: last.operation, startedAt: last.startedAt, status: last.status } : null,
    droppedBytes: dropped,
  });
  return EXIT.ok;
}
