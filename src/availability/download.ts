import { ModelUnavailableError } from '../errors/ModelUnavailableError.js';
import type { ManifestModel } from '../integrity/manifest.js';
import { redact } from '../shared/redaction/redact.js';
import { RateWindow } from './state.js';
import type { AvailabilityChecker, AvailabilityProgress, ModelState } from './types.js';

/** What {@link downloadModel} needs besides the model. */
export interface DownloadModelContext {
  readonly checker: AvailabilityChecker;
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** The download starts: `bytesToDownload` are missing. */
  readonly onStart: (bytesToDownload: number) => void;
  readonly onProgress: (progress: AvailabilityProgress) => void;
  /** Setup steps for the error when the download fails. */
  readonly steps: (state: ModelState, bytesToDownload: number | undefined) => string[];
}

/**
 * Verifies a model and, when something is missing or damaged, repairs it (the checker downloads
 * only what is needed, resuming partials, then verifies again). Resolves with what was fetched,
 * or undefined when the model was ready already; rejects with a ModelUnavailableError carrying the
 * repair's manual steps when files could not be fixed.
 */
export async function downloadModel(
  model: ManifestModel,
  ctx: DownloadModelContext,
): Promise<{ bytesDownloaded: number; durationMs: number } | undefined> {
  const started = ctx.now();
  const before = await ctx.checker.verify({ models: [model.id], signal: ctx.signal });
  if (before.ok) return undefined;
  const rates = new RateWindow();
  const total = before.bytesToDownload;
  ctx.onStart(total);
  const report = (bytesDone: number, bytesTotal: number) => {
    rates.add(ctx.now(), bytesDone);
    const rate = rates.rate();
    ctx.onProgress({
      id: model.id,
      bytesDone,
      bytesTotal,
      percent: bytesTotal > 0 ? Math.min(100, (bytesDone / bytesTotal) * 100) : 100,
      rate,
      ...(rate > 0 ? { etaSeconds: Math.max(0, bytesTotal - bytesDone) / rate } : {}),
    });
  };
  report(0, total);
  const result = await ctx.checker.repair(before, {
    signal: ctx.signal,
    onProgress: (p) => report(p.bytesDone, p.bytesTotal),
  });
  if (!result.ok) {
    const first = result.failed[0];
    const detail = first ? `${first.path}: ${first.message}` : 'the files did not verify after downloading';
    const count = `${result.failed.length} file${result.failed.length === 1 ? '' : 's'}`;
    throw new ModelUnavailableError(model.id, {
      reason: redact(`download failed (${count}; ${detail})`),
      steps: [...ctx.steps('incomplete', total), ...(first?.manualSteps ?? [])],
      cause: first?.error,
    });
  }
  const bytesDownloaded = result.fixed.reduce((sum, f) => sum + (f.bytesTransferred ?? 0), 0);
  return { bytesDownloaded, durationMs: ctx.now() - started };
}
