import { ConfigurationError } from '../errors/ConfigurationError.js';
import { abortError } from '../shared/abort.js';
import type { CheckerContext, Counters } from './checkerContext.js';
import type { ManifestModel } from './manifest.js';
import { verifyModel } from './modelReport.js';
import type { IntegrityReport, ModelReport, VerifyOptions, VerifyProgress } from './types.js';

/** The body of {@link ModelIntegrityChecker.verify}: checks the selected models in parallel. */
export async function verifyModels(
  context: CheckerContext,
  options: VerifyOptions,
): Promise<IntegrityReport> {
  const started = performance.now();
  const { signal, onProgress } = options;
  const deep = options.deep ?? false;
  if (signal?.aborted) throw abortError(signal, 'verify');
  const models = selectModels(context, options.models);
  await context.cache.load();
  const counters: Counters = {
    filesTotal: models.reduce((sum, m) => sum + m.files.length, 0),
    filesChecked: 0,
    bytesHashed: 0,
    hashedFiles: 0,
    cachedFiles: 0,
  };
  const progress = onProgress
    ? (phase: VerifyProgress['phase'], model: string, file?: string) =>
        onProgress({
          phase,
          model,
          ...(file === undefined ? {} : { path: file }),
          filesChecked: counters.filesChecked,
          filesTotal: counters.filesTotal,
          bytesHashed: counters.bytesHashed,
        })
    : undefined;
  let reports: ModelReport[];
  try {
    reports = await Promise.all(
      models.map((model) => verifyModel(context, model, deep, counters, signal, progress)),
    );
  } finally {
    await context.cache.save();
  }
  const bytesToDownload = reports.reduce((sum, r) => sum + r.bytesToDownload, 0);
  const ok = reports.every((r) => r.ok);
  const durationMs = performance.now() - started;
  const stats = {
    files: counters.filesTotal,
    hashedFiles: counters.hashedFiles,
    hashedBytes: counters.bytesHashed,
    cachedFiles: counters.cachedFiles,
  };
  context.announce('integrity:verified', {
    ok,
    deep,
    models: models.map((m) => m.id),
    bytesToDownload,
    durationMs,
    hashedFiles: stats.hashedFiles,
    cachedFiles: stats.cachedFiles,
  });
  return {
    ok,
    deep,
    models: reports,
    bytesToDownload,
    checkedAt: new Date().toISOString(),
    durationMs,
    stats,
  };
}

function selectModels(context: CheckerContext, ids: readonly string[] | undefined): ManifestModel[] {
  const { manifest } = context;
  if (ids === undefined) return [...manifest.models];
  if (!Array.isArray(ids)) throw new ConfigurationError('verify models', 'an array of model ids', ids);
  return ids.map((id) => {
    const model = manifest.models.find((m) => m.id === id);
    if (!model) {
      throw new ConfigurationError(
        'verify models',
        `ids from the manifest (${manifest.models.map((m) => m.id).join(', ')})`,
        id,
      );
    }
    return model;
  });
}
