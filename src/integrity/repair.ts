import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ReliabilityError } from '../errors/ReliabilityError.js';
import { abortError } from '../shared/abort.js';
import type { CheckerContext } from './checkerContext.js';
import { fileUrls, type ManifestFile, type ManifestModel } from './manifest.js';
import { moveBack } from './misplaced.js';
import { modelFilePath } from './paths.js';
import { type FetchItem, fetchAll } from './repairDownload.js';
import { repairFailure } from './repairFailure.js';
import type {
  FailedFile,
  IntegrityReport,
  RepairedFile,
  RepairOptions,
  RepairResult,
  VerifyOptions,
} from './types.js';

/**
 * The body of {@link ModelIntegrityChecker.repair}: moves misplaced copies back, downloads the rest
 * again, then verifies the touched models with `verify` and reports what is still wrong as failed.
 */
export async function repairModels(
  context: CheckerContext,
  verify: (options: VerifyOptions) => Promise<IntegrityReport>,
  report: IntegrityReport | undefined,
  options: RepairOptions,
): Promise<RepairResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal, 'repair');
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigurationError('repair concurrency', 'a positive integer', concurrency);
  }
  const before = report ?? (await verify(signal ? { signal } : {}));
  const fixed: RepairedFile[] = [];
  const failed: FailedFile[] = [];
  const toFetch = await moveMisplaced(context, before, fixed, signal);

  const results = await fetchAll(context, toFetch, concurrency, options);
  await context.cache.save();
  if (signal?.aborted || results.some((r) => !r.ok && r.aborted))
    throw abortError(signal as AbortSignal, 'repair');
  for (const result of results) {
    if (result.ok) fixed.push(result.repaired);
    else if (!result.aborted && result.item) {
      failed.push(
        repairFailure(
          context,
          result.item.model,
          result.item.file,
          result.item.status,
          result.dest,
          result.urls,
          result.error,
        ),
      );
    }
  }

  const after = await verify({
    models: before.models.map((m) => m.id),
    ...(signal ? { signal } : {}),
  });
  reconcile(context, after, fixed, failed);
  return { ok: after.ok, fixed, failed, report: after };
}

/**
 * Renames the misplaced copies in `before` into place (recording them in `fixed`) and returns every
 * other problem file, to be downloaded. Throws when the report does not match the manifest.
 */
async function moveMisplaced(
  context: CheckerContext,
  before: IntegrityReport,
  fixed: RepairedFile[],
  signal: AbortSignal | undefined,
): Promise<FetchItem[]> {
  const toFetch: FetchItem[] = [];
  for (const modelReport of before.models) {
    const model = context.manifest.models.find((m) => m.id === modelReport.id);
    if (!model) {
      throw new ConfigurationError('repair report', "a report of this checker's manifest", modelReport.id);
    }
    for (const fileReport of modelReport.files) {
      if (fileReport.status === 'ok') continue;
      const file = model.files.find((f) => f.path === fileReport.path);
      if (!file)
        throw new ConfigurationError('repair report', 'files listed in the manifest', fileReport.path);
      if (fileReport.status === 'misplaced' && fileReport.foundAt !== undefined) {
        if (signal?.aborted) throw abortError(signal, 'repair');
        if (await moveBack(context, model, file, fileReport.foundAt, signal)) {
          const done: RepairedFile = {
            model: model.id,
            path: file.path,
            action: 'moved',
            from: fileReport.foundAt,
          };
          fixed.push(done);
          context.announce('integrity:repaired', done);
          continue;
        }
      }
      toFetch.push({
        model,
        file,
        status: fileReport.status,
        replace: fileReport.actual !== undefined && fileReport.status !== 'misplaced',
      });
    }
  }
  return toFetch;
}

/** Anything still wrong after repair that repair believed fixed (or never saw) is reported as failed too. */
function reconcile(
  context: CheckerContext,
  after: IntegrityReport,
  fixed: RepairedFile[],
  failed: FailedFile[],
): void {
  for (const modelReport of after.models) {
    const model = context.manifest.models.find((m) => m.id === modelReport.id) as ManifestModel;
    for (const fileReport of modelReport.files) {
      if (fileReport.status === 'ok') continue;
      if (failed.some((f) => f.model === model.id && f.path === fileReport.path)) continue;
      const index = fixed.findIndex((f) => f.model === model.id && f.path === fileReport.path);
      if (index >= 0) fixed.splice(index, 1);
      const file = model.files.find((f) => f.path === fileReport.path) as ManifestFile;
      const error = new ReliabilityError(
        `${model.id}/${file.path} is still ${fileReport.status} after repair${fileReport.note ? ` (${fileReport.note})` : ''}`,
        'ERR_REPAIR_INCOMPLETE',
        fileReport.status === 'corrupt' ? 'corruption' : 'system',
      );
      failed.push(
        repairFailure(
          context,
          model,
          file,
          fileReport.status,
          modelFilePath(context.root, model.id, file.path),
          fileUrls(model, file.path),
          error,
        ),
      );
    }
  }
}
