import { stat } from 'node:fs/promises';
import type { ManifestModel } from '../integrity/manifest.js';
import { modelDir, modelFilePath } from '../integrity/paths.js';
import type { CleanupCandidate, CleanupSuggestion, ModelUsage } from './types.js';
import { leastUsedFirst } from './usage.js';

/** Bytes a model's manifest files take on disk now (missing files count 0). */
export async function bytesOnDisk(root: string, model: ManifestModel): Promise<number> {
  const sizes = await Promise.all(
    model.files.map((f) =>
      stat(modelFilePath(root, model.id, f.path)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Ranks installed models for removal, least used first (never used, then the longest unused, then
 * the largest), and takes just enough of them to free `needBytes` (all of them when not given).
 */
export async function rankCleanup(
  root: string,
  models: readonly { model: ManifestModel; usage: ModelUsage }[],
  needBytes: number | undefined,
): Promise<CleanupSuggestion> {
  const sized = await Promise.all(
    models.map(async (m) => ({ ...m, bytes: await bytesOnDisk(root, m.model) })),
  );
  const ranked = sized
    .filter((s) => s.bytes > 0)
    .sort((a, b) => leastUsedFirst(a.usage, b.usage) || b.bytes - a.bytes);
  const candidates: CleanupCandidate[] = [];
  let freed = 0;
  for (const { model, bytes, usage } of ranked) {
    if (needBytes !== undefined && freed >= needBytes) break;
    freed += bytes;
    candidates.push({
      id: model.id,
      bytes,
      uses: usage.uses,
      ...(usage.lastUsed !== undefined ? { lastUsed: usage.lastUsed } : {}),
      path: modelDir(root, model.id),
      reason:
        usage.uses === 0
          ? 'never used'
          : `used ${usage.uses} time${usage.uses === 1 ? '' : 's'}, last on ${usage.lastUsed?.slice(0, 10)}`,
    });
  }
  return { candidates, freedBytes: freed, needBytes, enough: needBytes === undefined || freed >= needBytes };
}
