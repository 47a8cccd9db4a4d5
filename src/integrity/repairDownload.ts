import { mkdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ReliabilityError } from '../errors/ReliabilityError.js';
import { abortError } from '../shared/abort.js';
import { assertWithinRoot } from '../shared/confine.js';
import { type CheckerContext, isCode } from './checkerContext.js';
import { identityOf } from './hashPool.js';
import { fileUrls, type ManifestFile, type ManifestModel } from './manifest.js';
import { mapLimit } from './mapLimit.js';
import { modelFilePath } from './paths.js';
import type { FileStatus, RepairedFile, RepairOptions } from './types.js';

/** A file repair downloads again. */
export interface FetchItem {
  model: ManifestModel;
  file: ManifestFile;
  status: FileStatus;
  /** A known-bad file sits at the path and is removed first. */
  replace: boolean;
}

/** How one download ended: repaired, aborted, or failed (with what the failure report needs). */
export type FetchOutcome =
  | { ok: true; repaired: RepairedFile }
  | { ok: false; aborted: true; error: unknown; item?: undefined }
  | { ok: false; aborted: false; error: unknown; item: FetchItem; dest: string; urls: string[] };

/**
 * Downloads `items` again with the checker's downloader, at most `concurrency` at a time, with one
 * aggregated `onProgress`. Never rejects for a failed file: each outcome says what happened.
 */
export async function fetchAll(
  context: CheckerContext,
  items: readonly FetchItem[],
  concurrency: number,
  options: RepairOptions,
): Promise<FetchOutcome[]> {
  const { signal } = options;
  const bytesTotal = items.reduce((sum, item) => sum + item.file.size, 0);
  const done = new Map<string, number>();
  let bytesDone = 0;
  return mapLimit(items, concurrency, async (item): Promise<FetchOutcome> => {
    const key = `${item.model.id}/${item.file.path}`;
    const dest = modelFilePath(context.root, item.model.id, item.file.path);
    const urls = fileUrls(item.model, item.file.path);
    try {
      if (signal?.aborted) throw abortError(signal, 'repair');
      if (!context.downloader) {
        throw new ConfigurationError(
          'ModelIntegrityChecker.downloader',
          'a Downloader (or any object with download()) so that repair can fetch files',
          undefined,
        );
      }
      // Nothing is written or deleted through a symbolic link out of the root (PathOutsideRootError,
      // reported with manual steps); checked now, not only at verify time.
      await assertWithinRoot(context.root, dest);
      // A known-bad file is removed first: it is never useful and frees its space for the download.
      if (item.replace) await unlinkFile(dest);
      await mkdir(path.dirname(dest), { recursive: true });
      const onProgress = options.onProgress;
      const result = await context.downloader.download(
        {
          urls,
          dest,
          size: item.file.size,
          sha256: item.file.sha256,
          priority: item.model.priority,
          root: context.root,
        },
        {
          ...(signal ? { signal } : {}),
          ...(onProgress
            ? {
                onProgress: (p: { bytes: number }) => {
                  bytesDone += p.bytes - (done.get(key) ?? 0);
                  done.set(key, p.bytes);
                  onProgress({
                    model: item.model.id,
                    path: item.file.path,
                    bytes: p.bytes,
                    total: item.file.size,
                    bytesDone,
                    bytesTotal,
                  });
                },
              }
            : {}),
        },
      );
      if (result.sha256.toLowerCase() !== item.file.sha256 || result.bytes !== item.file.size) {
        throw new ReliabilityError(
          `The downloader placed ${item.model.id}/${item.file.path} with sha256 ${result.sha256} (${result.bytes} bytes); the manifest expects ${item.file.sha256} (${item.file.size} bytes)`,
          'ERR_CHECKSUM_MISMATCH',
          'corruption',
        );
      }
      // The downloader verified the content before its rename: remember it so the re-verify needs no hashing.
      const info = await stat(dest, { bigint: true });
      context.cache.set(key, identityOf(info), item.file.sha256);
      const repaired: RepairedFile = {
        model: item.model.id,
        path: item.file.path,
        action: 'downloaded',
        bytesTransferred: result.bytesTransferred,
        url: result.url,
        ...(result.resumed === undefined ? {} : { resumed: result.resumed }),
      };
      context.announce('integrity:repaired', repaired);
      return { ok: true, repaired };
    } catch (error) {
      if (signal?.aborted) return { ok: false, aborted: true, error };
      return { ok: false, aborted: false, error, item, dest, urls };
    }
  });
}

async function unlinkFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
}
