import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { classifyError } from '../errors/classify.js';
import { DiskFullError } from '../errors/DiskFullError.js';
import { RetriesExhaustedError } from '../errors/RetriesExhaustedError.js';
import type { RestartReason } from '../events/downloadEvents.js';
import { abortError } from '../shared/abort.js';
import { assertWithinRoot, escapeFromRoot } from '../shared/confine.js';
import { redactUrl } from '../shared/redaction/redact.js';
import { type Claim, markActive, newWriterId } from './claim.js';
import { isDiskFull } from './diskSpace.js';
import { Failover, isLocalFileError, isPermanent, pickError, unwrap } from './failover.js';
import { removeEmptyWorkDirs } from './finalize.js';
import type { DownloadCallOptions, DownloadResult, ResolvedRequest } from './options.js';
import { PartialFile } from './partialFile.js';
import { PARTIAL_SUFFIX, partialDirFor } from './partialPath.js';
import { ProgressTracker } from './progress.js';
import { acquireClaim, adoptOrphans, existingResult } from './sessionClaim.js';
import type { SessionDeps } from './sessionDeps.js';
import type { TransferContext, TransferState } from './transfer.js';
import { transferAll } from './transferAll.js';

export type { SessionDeps } from './sessionDeps.js';

/**
 * One call of `Downloader.download()` for one destination: claim, adopt an orphaned partial,
 * resume across mirrors, verify, place. See docs/downloads.md for the guarantees.
 */
export class DownloadSession {
  readonly #deps: SessionDeps;
  readonly #req: ResolvedRequest;
  readonly #call: DownloadCallOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #dest: string;
  readonly #dir: string;
  readonly #writerId = newWriterId();
  readonly #partPath: string;
  readonly #metaPath: string;
  readonly #operation: string;
  /** The folder the work folder must stay in (undefined with a `tempDir`: the user's choice). */
  readonly #within: string | undefined;
  readonly #progress: ProgressTracker;
  readonly #started = performance.now();

  #partial: PartialFile | undefined;
  readonly #state: TransferState = {
    currentUrl: '',
    total: undefined,
    transferred: 0,
    attempts: 0,
    refetches: 0,
    resumeAnnounced: false,
  };

  constructor(deps: SessionDeps, req: ResolvedRequest, call: DownloadCallOptions) {
    this.#deps = deps;
    this.#req = req;
    this.#call = call;
    this.#signal = call.signal;
    this.#dest = path.resolve(req.dest);
    this.#dir = partialDirFor(this.#dest, { root: req.root, tempDir: deps.options.tempDir });
    this.#partPath = path.join(this.#dir, `${this.#writerId}${PARTIAL_SUFFIX}`);
    this.#metaPath = path.join(this.#dir, `${this.#writerId}.json`);
    this.#operation = `download ${this.#dest} [${this.#writerId}]`;
    this.#within = deps.options.tempDir === undefined ? (req.root ?? path.dirname(this.#dest)) : undefined;
    this.#progress = new ProgressTracker(this.#dest, deps.options.progressIntervalMs, (progress) => {
      deps.emit('download:progress', progress);
      call.onProgress?.(progress);
    });
  }

  /** Runs the download to completion (or a classified error). */
  async run(): Promise<DownloadResult> {
    const unmark = markActive(this.#writerId);
    let claim: Claim | undefined;
    let ok = false;
    try {
      // With a root, the destination's real folder must lie in it (PathOutsideRootError otherwise).
      if (this.#req.root !== undefined) await assertWithinRoot(this.#req.root, path.dirname(this.#dest));
      const acquired = await acquireClaim({
        within: this.#within,
        dir: this.#dir,
        writerId: this.#writerId,
        lockStaleAfter: this.#deps.options.lockStaleAfter,
        signal: this.#signal,
        operation: this.#operation,
        onWaiting: (holder) =>
          this.#deps.emit('download:waiting', { dest: this.#dest, pid: holder.pid, host: holder.host }),
      });
      claim = acquired.claim;
      if (acquired.waited) {
        const existing = await existingResult(this.#dest, this.#req, this.#deps.hashers, this.#progress);
        if (existing) {
          ok = true;
          return existing;
        }
      }
      await this.#openPartial();
      const result = await this.#mirrorLoop();
      ok = true;
      return result;
    } catch (error) {
      if (this.#signal?.aborted) throw abortError(this.#signal, this.#operation);
      if (isDiskFull(error)) throw new DiskFullError(this.#dest, { cause: error });
      throw error;
    } finally {
      await this.#cleanup(ok, claim);
      unmark();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Claim and partial

  async #openPartial(): Promise<void> {
    const adopted = await adoptOrphans(this.#dir, this.#writerId, this.#deps.options.lockStaleAfter);
    const { size, sha256 } = this.#req;
    this.#partial = await PartialFile.open({
      partPath: this.#partPath,
      metaPath: this.#metaPath,
      adopted,
      dir: this.#dir,
      dest: this.#dest,
      size,
      sha256,
      hashers: this.#deps.hashers,
      blockSize: this.#deps.options.blockSize,
      directWrites: this.#deps.options.directWrites,
      onRestart: (reason, discardedBytes) => this.#announceRestart(reason, discardedBytes),
    });
    this.#state.total = size ?? this.#partial.meta?.total;
  }

  get #offset(): number {
    return (this.#partial as PartialFile).offset;
  }

  /** What a single transfer and verify-and-place work with (the partial is open by then). */
  #context(): TransferContext {
    return {
      deps: this.#deps,
      req: this.#req,
      dest: this.#dest,
      dir: this.#dir,
      partial: this.#partial as PartialFile,
      state: this.#state,
      progress: this.#progress,
    };
  }

  #announceRestart(reason: RestartReason, discardedBytes: number): void {
    this.#deps.emit('download:restart', {
      dest: this.#dest,
      url: this.#state.currentUrl,
      reason,
      discardedBytes,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Mirrors

  async #mirrorLoop(): Promise<DownloadResult> {
    const { health } = this.#deps;
    let queue = health.order(this.#req.urls);
    const failures: unknown[] = [];
    for (let pass = 0; pass < 2 && queue.length > 0; pass++) {
      const again: URL[] = [];
      for (let index = 0; index < queue.length; index++) {
        const mirror = queue[index] as URL;
        const next = queue[index + 1];
        try {
          return await this.#onMirror(mirror, queue.length - index - 1 + again.length > 0);
        } catch (raw) {
          const error = unwrap(raw);
          if (this.#signal?.aborted) throw abortError(this.#signal, this.#operation);
          if (isLocalFileError(error)) throw error;
          failures.push(error);
          const classification = classifyError(error);
          const corrupt = error instanceof ChecksumMismatchError;
          if (corrupt) health.demote(mirror);
          const permanent = isPermanent(error, classification);
          if (pass === 0 && !permanent) again.push(mirror);
          this.#deps.emit('download:mirror-failover', {
            dest: this.#dest,
            from: redactUrl(mirror.href),
            to: next ? redactUrl(next.href) : again[0] ? redactUrl(again[0].href) : undefined,
            category: classification.category,
            message: error instanceof Error ? error.message : String(error),
            demoted: corrupt,
          });
        }
      }
      queue = again;
    }
    throw pickError(failures);
  }

  /** All retries on one mirror; attempts that made progress do not spend the retry budget. */
  async #onMirror(mirror: URL, othersLeft: boolean): Promise<DownloadResult> {
    const breaker = this.#deps.health.breakerFor(mirror);
    this.#state.currentUrl = redactUrl(mirror.href);
    this.#state.refetches = 0;
    const untrack = this.#deps.trackRetries(this.#operation, (attempt, error, delayMs, serverDirected) => {
      const classification = classifyError(unwrap(error));
      this.#deps.emit('download:retry', {
        dest: this.#dest,
        url: this.#state.currentUrl,
        attempt,
        category: classification.category,
        message: error instanceof Error ? error.message : String(error),
        delayMs,
        serverDirected,
      });
    });
    try {
      for (;;) {
        const before = this.#offset;
        try {
          return await this.#deps.options.retry.execute(
            (ctx) =>
              breaker.execute(() =>
                transferAll(this.#context(), mirror, {
                  signal: ctx.signal,
                  callSignal: this.#signal,
                  othersLeft,
                  started: this.#started,
                }),
              ),
            { signal: this.#signal, operation: this.#operation },
          );
        } catch (error) {
          const inner = unwrap(error);
          if (error instanceof RetriesExhaustedError && !(inner instanceof Failover) && this.#offset > before)
            continue;
          throw inner;
        }
      }
    } finally {
      untrack();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Cleanup

  async #cleanup(ok: boolean, claim: Claim | undefined): Promise<void> {
    const partial = this.#partial;
    await partial?.close(!ok);
    this.#partial = undefined;
    // A work folder reached through a link out of the root was never ours: remove nothing there.
    if (this.#within !== undefined && (await escapeFromRoot(this.#within, this.#dir).catch(() => true))) {
      await claim?.release();
      return;
    }
    const remove = ok || this.#call.removePartial === true;
    if (remove) {
      await unlink(this.#partPath).catch(() => {});
      await unlink(this.#metaPath).catch(() => {});
    } else if (await isEmptyFile(this.#partPath)) {
      // Nothing worth keeping: what is on disk decides (bytes may have arrived but not been written
      // on a full disk, or the partial was created but never opened after a failed free-space
      // check). A non-empty prefix is kept on purpose: the next run resumes it.
      await unlink(this.#partPath).catch(() => {});
      await unlink(this.#metaPath).catch(() => {});
    }
    await claim?.release();
    await removeEmptyWorkDirs(this.#dir);
  }
}

/** Whether `file` is missing or holds no bytes. */
async function isEmptyFile(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info === undefined || info.size === 0;
}
