import { classifyError } from '../errors/classify.js';
import { redact, redactUrl } from '../shared/redaction/redact.js';
import type { CheckerContext } from './checkerContext.js';
import type { ManifestFile, ManifestModel } from './manifest.js';
import { buildManualSteps } from './manualSteps.js';
import type { FailedFile, FileStatus } from './types.js';

/**
 * Describes a file repair could not fix (classified error, redacted message, guided manual steps)
 * and announces `integrity:repair-failed`.
 */
export function repairFailure(
  context: CheckerContext,
  model: ManifestModel,
  file: ManifestFile,
  status: FileStatus,
  dest: string,
  urls: readonly string[],
  error: unknown,
): FailedFile {
  const classification = classifyError(error);
  const message = redact(error instanceof Error ? error.message : String(error));
  const manualSteps = buildManualSteps({
    model: model.id,
    path: file.path,
    status,
    dest,
    size: file.size,
    sha256: file.sha256,
    urls: urls.map((url) => redactUrl(url)),
    classification,
  });
  const failure: FailedFile = {
    model: model.id,
    path: file.path,
    status,
    category: classification.category,
    message,
    ...(classification.code === undefined ? {} : { code: classification.code }),
    error,
    manualSteps,
  };
  context.announce('integrity:repair-failed', {
    model: model.id,
    path: file.path,
    category: classification.category,
    message,
    manualSteps,
  });
  return failure;
}
