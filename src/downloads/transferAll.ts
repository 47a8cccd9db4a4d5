import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import { StallError } from '../errors/StallError.js';
import { isDiskFull } from './diskSpace.js';
import { Failover, isResumable } from './failover.js';
import type { DownloadResult } from './options.js';
import { verifyAndPlace } from './place.js';
import { type TransferContext, transferOnce } from './transfer.js';

/** What {@link transferAll} needs besides the transfer context. */
export interface TransferAllOptions {
  /** The attempt's signal (RetryPolicy's, aborted on timeout or cancel). */
  readonly signal: AbortSignal;
  /** The caller's own signal: when it aborted, nothing is resumed. */
  readonly callSignal: AbortSignal | undefined;
  /** Whether other mirrors are left (a stall then fails over instead of retrying here). */
  readonly othersLeft: boolean;
  /** `performance.now()` at the start of the download, for `durationMs`. */
  readonly started: number;
}

/**
 * Requests until the file is complete or an error without progress: a body cut after some bytes
 * (or a stall after some bytes) is resumed at once with Range, without spending a retry.
 */
export async function transferAll(
  ctx: TransferContext,
  mirror: URL,
  options: TransferAllOptions,
): Promise<DownloadResult> {
  const { partial } = ctx;
  const { signal } = options;
  for (;;) {
    // Progress = the kept file grew; a mirror that ignores Range and cuts every body makes none.
    const before = partial.offset;
    let outcome: 'done' | 'complete';
    try {
      outcome = await transferOnce(ctx, mirror, signal);
    } catch (error) {
      if (options.callSignal?.aborted || signal.aborted) throw error;
      const progressed = partial.offset > before;
      if (progressed && isResumable(error)) {
        try {
          // After a cut body: make the partial consistent with what was hashed.
          await partial.sink.flush();
        } catch (flushError) {
          throw isDiskFull(flushError) ? await partial.diskFull(flushError, ctx.dest) : flushError;
        }
        continue;
      }
      if (isDiskFull(error)) throw await partial.diskFull(error, ctx.dest);
      if (error instanceof StallError && options.othersLeft) throw new Failover(error);
      if (error instanceof ChecksumMismatchError || error instanceof SizeMismatchError)
        throw new Failover(error);
      throw error;
    }
    let result: DownloadResult | undefined;
    try {
      result = await verifyAndPlace(ctx, mirror, outcome, options.started);
    } catch (error) {
      // Corrupt bytes: no point retrying this mirror now; the mirror loop demotes it.
      if (error instanceof ChecksumMismatchError || error instanceof SizeMismatchError)
        throw new Failover(error);
      throw error;
    }
    if (result) return result;
  }
}
