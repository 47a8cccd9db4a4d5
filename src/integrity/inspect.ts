import { stat } from 'node:fs/promises';
import { abortError } from '../shared/abort.js';
import { type CheckerContext, type Counters, isCode, type ProgressFn } from './checkerContext.js';
import { type FileIdentity, type HashResult, identityOf } from './hashPool.js';
import type { ManifestFile, ManifestModel } from './manifest.js';
import { describeEscape, modelFileEscape, modelFilePath } from './paths.js';
import type { ActualContent } from './types.js';

/** What one file at its manifest path turned out to be. */
export interface Inspection {
  file: ManifestFile;
  /** absent: nothing usable at the path; present: a regular file; unsafe: leads out of the root. */
  kind: 'absent' | 'present' | 'unsafe';
  actual?: ActualContent;
  note?: string;
  /** Something that is not a regular file occupies the path. */
  blocked?: boolean;
  /** Decided from the stat cache, without reading the file. */
  cached?: boolean;
  ok: boolean;
}

/** Hashes one file, counting its bytes, caching a stable digest and announcing `integrity:hash`. */
export async function hashTracked(
  context: CheckerContext,
  model: string,
  relative: string,
  absolute: string,
  size: number,
  counters: Counters,
  signal: AbortSignal | undefined,
  progress: ProgressFn,
): Promise<HashResult> {
  const started = performance.now();
  let seen = 0;
  const result = await context.hasher.hash(absolute, {
    signal,
    sizeHint: size,
    onProgress: (bytes) => {
      counters.bytesHashed += bytes - seen;
      seen = bytes;
      progress?.('hash', model, relative);
    },
  });
  counters.bytesHashed += result.bytes - seen;
  counters.hashedFiles++;
  if (result.stable) context.cache.set(`${model}/${relative}`, result.identity, result.sha256);
  context.announce('integrity:hash', {
    model,
    path: relative,
    bytes: result.bytes,
    durationMs: performance.now() - started,
  });
  return result;
}

/**
 * Examines the file at its manifest path: a wrong size is decided from `stat` alone; in quick mode an
 * unchanged identity is decided from the stat cache; otherwise the file is hashed.
 */
export async function inspect(
  context: CheckerContext,
  model: ManifestModel,
  file: ManifestFile,
  deep: boolean,
  counters: Counters,
  signal: AbortSignal | undefined,
  progress: ProgressFn,
): Promise<Inspection> {
  const absolute = modelFilePath(context.root, model.id, file.path);
  // Checked before anything reads the file: a link out of the root is reported, never followed.
  const way = await modelFileEscape(context.root, model.id, file.path).catch(() => undefined);
  if (way) return { file, kind: 'unsafe', ok: false, note: describeEscape(context.root, way) };
  let identity: FileIdentity;
  try {
    const info = await stat(absolute, { bigint: true });
    if (!info.isFile()) {
      return {
        file,
        kind: 'absent',
        ok: false,
        blocked: true,
        note: 'something other than a regular file (a folder?) occupies this path',
      };
    }
    identity = identityOf(info);
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return { file, kind: 'absent', ok: false };
    const code = (error as { code?: string }).code ?? 'unknown error';
    return { file, kind: 'absent', ok: false, note: `cannot be examined (${code})` };
  }
  if (identity.size !== file.size) {
    return { file, kind: 'present', ok: false, actual: { size: identity.size } };
  }
  const key = `${model.id}/${file.path}`;
  if (!deep) {
    const cached = context.cache.get(key, identity);
    if (cached !== undefined) {
      counters.cachedFiles++;
      return {
        file,
        kind: 'present',
        ok: cached === file.sha256,
        cached: true,
        actual: { size: identity.size, sha256: cached },
      };
    }
  }
  if (signal?.aborted) throw abortError(signal, 'verify');
  try {
    const result = await hashTracked(
      context,
      model.id,
      file.path,
      absolute,
      file.size,
      counters,
      signal,
      progress,
    );
    if (result.bytes !== file.size) {
      return {
        file,
        kind: 'present',
        ok: false,
        actual: { size: result.bytes },
        note: 'the file changed while it was read',
      };
    }
    return {
      file,
      kind: 'present',
      ok: result.sha256 === file.sha256,
      actual: { size: result.bytes, sha256: result.sha256 },
    };
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, 'verify');
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return { file, kind: 'absent', ok: false };
    const code = (error as { code?: string }).code ?? (error as Error).message;
    return {
      file,
      kind: 'present',
      ok: false,
      actual: { size: identity.size },
      note: `could not be read (${code})`,
    };
  }
}
