import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { ShortBodyError } from '../errors/ShortBodyError.js';
import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import { StallError } from '../errors/StallError.js';
import { isDiskFull } from './diskSpace.js';
import { Failover, isResumable } from './failover.js';
import type { DownloadResult } from './options.js';
import type { CycleGate } from './originGate.js';
import { verifyAndPlace } from './place.js';
import { type TransferContext, transferOnce } from './transfer.js';

/** What {@link transferAll} needs besides the transfer context. */
export interface TransferAllOptions {
  /** The attempt's signal (RetryPolicy's, aborted on timeout or cancel). */
  readonly signal: AbortSignal;
  /** The download's own signal (caller's abort or the file's time budget): when aborted, nothing is resumed. */
  readonly callSignal: AbortSignal | undefined;
  /** Whether other mirrors are left (a stall then fails over instead of retrying here). */
  readonly othersLeft: boolean;
  /** `performance.now()` at the start of the download, for `durationMs`. */
  readonly started: number;
  /** The retry cycle's view of the mirror's origin breaker. */
  readonly gate: CycleGate;
}

/**
 * Requests until the file is complete or an error without progress: a body cut after some bytes
 * (or a stall after some bytes) is resumed at once with Range, without spending a retry. A body
 * that ends cleanly but short resumes the same way when it brought bytes, and is a retryable
 * {@link ShortBodyError} when it brought none, so a mirror that does it forever cannot loop.
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
    const before = partial.held;
    let outcome: 'done' | 'complete';
    try {
      outcome = await transferOnce(ctx, mirror, signal, options.gate);
    } catch (error) {
      if (options.callSignal?.aborted || signal.aborted) throw error;
      const progressed = partial.held > before;
      // A trickle is not worth resuming on the same mirror at once: its bytes are kept for the next.
      const slow = error instanceof StallError && error.slow !== undefined;
      if (progressed && isResumable(error) && !slow) {
        try {
          // After a cut body: make the partial consistent with what was hashed.
          await partial.flush();
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
    let result: DownloadResult | 'short' | 'refetch';
    try {
      result = await verifyAndPlace(ctx, mirror, outcome, options.started);
    } catch (error) {
      // Corrupt bytes: no point retrying this mirror now; the mirror loop demotes it.
      if (error instanceof ChecksumMismatchError || error instanceof SizeMismatchError)
        throw new Failover(error);
      throw error;
    }
    if (result === 'short' && partial.held <= before) {
      const error = new ShortBodyError(partial.offset, ctx.req.size ?? ctx.state.total, {
        url: ctx.state.currentUrl,
      });
      ctx.state.lastError = error;
      throw error;
    }
    if (typeof result === 'object') return result;
  }
}
