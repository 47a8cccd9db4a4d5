import type { Dirent } from 'node:fs';
import { lstat, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { abortError } from '../shared/abort.js';
import { assertWithinRoot, escapeFromRoot } from '../shared/confine.js';
import type { CheckerContext, Counters, ProgressFn } from './checkerContext.js';
import { type FileIdentity, identityOf } from './hashPool.js';
import { hashTracked, type Inspection } from './inspect.js';
import type { ManifestFile, ManifestModel } from './manifest.js';
import { modelDir, modelFilePath, WORK_DIR } from './paths.js';

/** Most files looked at when searching a model folder for misplaced copies. */
const SEARCH_LIMIT = 100_000;

/**
 * Looks through the model folder (not `.wan-reliability`) for files of a needed size that are not
 * at a manifest path, hashes only those, and assigns each matching copy to one file that needs it.
 * Symbolic links are not followed (neither files nor folders), and a model folder that leads out of
 * the root is not searched at all.
 */
export async function searchMisplaced(
  context: CheckerContext,
  model: ManifestModel,
  needing: Inspection[],
  foundAt: Map<Inspection, string>,
  deep: boolean,
  counters: Counters,
  signal: AbortSignal | undefined,
  progress: ProgressFn,
): Promise<void> {
  const sizes = new Set(needing.filter((i) => !i.blocked).map((i) => i.file.size));
  if (sizes.size === 0) return;
  const manifestPaths = new Set(model.files.map((f) => f.path));
  const candidates: string[] = [];
  const dir = modelDir(context.root, model.id);
  if (await escapeFromRoot(context.root, dir).catch(() => 'unknown')) return;
  await walk(dir, '', candidates);
  candidates.sort();
  progress?.('search', model.id);
  for (const relative of candidates) {
    if (manifestPaths.has(relative)) continue;
    const open = needing.filter((i) => !i.blocked && !foundAt.has(i));
    if (open.length === 0) return;
    if (signal?.aborted) throw abortError(signal, 'verify');
    const absolute = modelFilePath(context.root, model.id, relative);
    let info: FileIdentity;
    try {
      // lstat: a candidate swapped for a link since the walk is skipped, not followed.
      const found = await lstat(absolute, { bigint: true });
      if (!found.isFile()) continue;
      info = identityOf(found);
    } catch {
      continue;
    }
    if (!open.some((i) => i.file.size === info.size)) continue;
    let digest = deep ? undefined : context.cache.get(`${model.id}/${relative}`, info);
    if (digest === undefined) {
      try {
        digest = (
          await hashTracked(context, model.id, relative, absolute, info.size, counters, signal, progress)
        ).sha256;
      } catch {
        if (signal?.aborted) throw abortError(signal, 'verify');
        continue;
      }
    }
    const match = open.find((i) => i.file.size === info.size && i.file.sha256 === digest);
    if (match) foundAt.set(match, relative);
  }
}

/**
 * Renames a misplaced copy into place after checking it is still the right content and that both
 * ends really lie inside the root (checked again right before the rename; false when not).
 */
export async function moveBack(
  context: CheckerContext,
  model: ManifestModel,
  file: ManifestFile,
  foundAt: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const from = modelFilePath(context.root, model.id, foundAt);
  const dest = modelFilePath(context.root, model.id, file.path);
  const fromKey = `${model.id}/${foundAt}`;
  try {
    await assertWithinRoot(context.root, from);
    await assertWithinRoot(context.root, dest);
    const info = await lstat(from, { bigint: true });
    if (!info.isFile() || Number(info.size) !== file.size) return false;
    let digest = context.cache.get(fromKey, identityOf(info));
    if (digest === undefined) {
      const result = await context.hasher.hash(from, { signal, sizeHint: file.size });
      digest = result.sha256;
    }
    if (digest !== file.sha256) return false;
    await mkdir(path.dirname(dest), { recursive: true });
    // The hash took a while: a link swapped in meanwhile must not carry the rename out of the root.
    await assertWithinRoot(context.root, from);
    await assertWithinRoot(context.root, dest);
    await rename(from, dest);
    context.cache.delete(fromKey);
    const moved = await lstat(dest, { bigint: true });
    context.cache.set(`${model.id}/${file.path}`, identityOf(moved), file.sha256);
    return true;
  } catch {
    if (signal?.aborted) throw abortError(signal, 'repair');
    return false;
  }
}

async function walk(dir: string, relative: string, out: string[]): Promise<void> {
  if (out.length >= SEARCH_LIMIT) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === WORK_DIR) continue;
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) await walk(path.join(dir, entry.name), child, out);
    else if (entry.isFile()) {
      out.push(child);
      if (out.length >= SEARCH_LIMIT) return;
    }
  }
}
