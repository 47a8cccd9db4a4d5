import { DEFAULT_TIMEOUTS, TimeoutManager, UNKNOWN_OPERATION_TIMEOUT } from '@wan/reliability';
import type {
  FileFetcher,
  FileFetchOptions,
  FileFetchRequest,
  FileFetchResult,
} from '@wan/reliability/integrity';
import { UsageError } from './exit.js';

/**
 * The installer's time budgets: the design's table (model download 30 min per file, doubled above
 * 5 GB; dependency install 10 min; validation 5 min; system detection 60 s; network test 30 s),
 * each multiplied by `--timeout-scale`.
 */
export function installerTimeouts(scale: number): TimeoutManager {
  const defaults = Object.fromEntries(
    Object.entries(DEFAULT_TIMEOUTS).map(([operation, ms]) => [
      operation,
      Math.max(1, Math.round(ms * scale)),
    ]),
  );
  return new TimeoutManager({
    defaults,
    unknownOperation: Math.max(1, Math.round(UNKNOWN_OPERATION_TIMEOUT * scale)),
  });
}

/** `--timeout-scale 2`, `0.5`: a positive factor (at most 100). */
export function parseTimeoutScale(text: string | undefined): number {
  if (text === undefined) return 1;
  const value = Number(text);
  if (!/^\s*\d*\.?\d+\s*$/.test(text) || !(value > 0) || value > 100) {
    throw new UsageError(
      `--timeout-scale ${text}: expected a factor such as 0.5, 1 or 3 (above 0, at most 100)`,
    );
  }
  return value;
}

/** 1500 → `1.5 s`, 600000 → `10 min`. */
export function formatBudget(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/**
 * A FileFetcher that gives every file its own `model_download` budget, scaled by the file's size
 * (TimeoutManager doubles it above 5 GB). When the budget runs out the download is aborted — its
 * partial is kept for the next run — and the file fails with a TimeoutError.
 */
export class TimedFetcher implements FileFetcher {
  constructor(
    private readonly inner: FileFetcher,
    private readonly timeouts: TimeoutManager,
  ) {}

  /** The inner fetcher's partial folder, for the integrity checker (it looks for `tempDir`). */
  get tempDir(): unknown {
    return (this.inner as { tempDir?: unknown }).tempDir;
  }

  download(request: FileFetchRequest, options: FileFetchOptions = {}): Promise<FileFetchResult> {
    const { signal, ...rest } = options;
    const budget = this.timeouts.get(
      'model_download',
      request.size === undefined ? {} : { fileSizeBytes: request.size },
    );
    return this.timeouts
      .policyFor(`download ${request.dest}`, budget)
      .execute(
        (ctx) => this.inner.download(request, { ...rest, signal: ctx.signal }),
        signal ? { signal } : {},
      );
  }
}
