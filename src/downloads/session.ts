import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { classifyError } from '../errors/classify.js';
import { DiskFullError } from '../errors/DiskFullError.js';
import { RequestLimitError } from '../errors/RequestLimitError.js';
import { RetriesExhaustedError } from '../errors/RetriesExhaustedError.js';
import { StallError } from '../errors/StallError.js';
import type { RestartReason } from '../events/downloadEvents.js';
import { abortError } from '../shared/abort.js';
import { assertWithinRoot, escapeFromRoot } from '../shared/confine.js';
import { redactUrl } from '../shared/redaction/redact.js';
import { type Claim, markActive, newWriterId } from './claim.js';
import { waitForCooldown } from './cooldown.js';
import { isDiskFull } from './diskSpace.js';
import { Failover, isLocalFileError, isPermanent, pickError, unwrap } from './failover.js';
import { removeEmptyWorkDirs } from './finalize.js';
import {
  type DownloadCallOptions,
  type DownloadResult,
  type ResolvedRequest,
  requestLimitFor,
} from './options.js';
import { CoolingDown, CycleGate } from './originGate.js';
import { PartialFile } from './partialFile.js';
import { PARTIAL_SUFFIX, partialDirFor } from './partialPath.js';
import { ProgressTracker } from './progress.js';
import { segmentLayout } from './segments/layout.js';
import { connectionsFor } from './segments/start.js';
import { acquireClaim, adoptOrphans, existingResult } from './sessionClaim.js';
import type { SessionDeps } from './sessionDeps.js';
import { StopSignal } from './stopSignal.js';
import type { TransferContext, TransferState } from './transfer.js';
import { transferAll } from './transferAll.js';

export type { SessionDeps } from './sessionDeps.js';

/** Retry cycles each mirror gets per call (one per pass over the mirrors). */
const CYCLES_PER_MIRROR = 2;
/**
 * Cycles handed back because a breaker closed its door before they made a request; a bound so a
 * breaker that keeps flapping cannot keep a file in the mirror loop without spending anything.
 */
const MAX_GIVEN_BACK = 1000;

/**
 * One call of `Downloader.download()` for one destination: claim, adopt an orphaned partial,
 * resume across mirrors, verify, place. See docs/downloads.md for the guarantees.
 */
export class DownloadSession {
  readonly #deps: SessionDeps;
  readonly #req: ResolvedRequest;
  readonly #call: DownloadCallOptions;
  /** The caller's abort or the file's time budget. */
  readonly #stop: StopSignal;
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
    lastError: undefined,
    rangeless: new Set(),
    ceilings: new Map(),
  };

  constructor(deps: SessionDeps, req: ResolvedRequest, call: DownloadCallOptions) {
    this.#deps = deps;
    this.#req = req;
    this.#call = call;
    this.#dest = path.resolve(req.dest);
    this.#dir = partialDirFor(this.#dest, { root: req.root, tempDir: deps.options.tempDir });
    this.#partPath = path.join(this.#dir, `${this.#writerId}${PARTIAL_SUFFIX}`);
    this.#metaPath = path.join(this.#dir, `${this.#writerId}.json`);
    this.#operation = `download ${this.#dest} [${this.#writerId}]`;
    const { timeouts } = deps.options;
    const budgetMs =
      timeouts === false ? undefined : timeouts.get('model_download', { fileSizeBytes: req.size ?? 0 });
    this.#stop = new StopSignal(call.signal, `download ${this.#dest}`, budgetMs, () => this.#lastFailure());
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
        signal: this.#stop.signal,
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
      if (this.#stop.signal.aborted) throw abortError(this.#stop.signal, this.#operation);
      if (isDiskFull(error)) throw new DiskFullError(this.#dest, { cause: error });
      throw error;
    } finally {
      this.#stop.dispose();
      await this.#cleanup(ok, claim);
      unmark();
    }
  }

  /** The last real failure of this download, or of the origin it waits on (a timeout's cause). */
  #lastFailure(): unknown {
    if (this.#state.lastError !== undefined) return this.#state.lastError;
    for (const url of this.#req.urls) {
      const failure = this.#deps.health.lastFailure(url);
      if (failure !== undefined) return failure;
    }
    return undefined;
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

  /** Bytes the partial holds (grows with every byte received, also out of order). */
  get #held(): number {
    return (this.#partial as PartialFile).held;
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
      requestLimit: this.#requestLimit(),
    };
  }

  /** `maxRequestsPerFile`, counting one request per chunk when the file may be segmented. */
  #requestLimit(): number {
    const { options } = this.#deps;
    const size = this.#req.size ?? this.#state.total;
    const connections = connectionsFor({ deps: this.#deps, req: this.#req });
    const segmented = size !== undefined && size >= options.segmentMinSize && connections > 1;
    return requestLimitFor(
      options,
      size,
      segmented ? segmentLayout(options, connections).chunkSize : undefined,
    );
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

  /**
   * Tries the mirrors in order, each for up to {@link CYCLES_PER_MIRROR} retry cycles (one pass
   * after another). A mirror whose origin breaker is open is skipped while another can be tried;
   * when every mirror left is cooling down, the file waits for the earliest trial request (bounded
   * by its time budget) instead of failing. The final error is the real cause of the last failure.
   */
  async #mirrorLoop(): Promise<DownloadResult> {
    const { health } = this.#deps;
    const mirrors = health.order(this.#req.urls).map((url) => ({ url, cycles: CYCLES_PER_MIRROR }));
    const failures: unknown[] = [];
    let givenBack = 0;
    for (;;) {
      this.#throwIfStopped();
      const left = mirrors.filter((mirror) => mirror.cycles > 0);
      if (left.length === 0) throw pickError(failures);
      // Fewest tries first, then the given order: A, B, A, B.
      const mirror = [...left]
        .sort((a, b) => b.cycles - a.cycles)
        .find((candidate) => health.admits(candidate.url));
      if (!mirror) {
        await this.#waitForCooldown(left.map((candidate) => candidate.url));
        continue;
      }
      mirror.cycles -= 1;
      const othersLeft = left.length > 1 || mirror.cycles > 0;
      try {
        return await this.#onMirror(mirror.url, othersLeft);
      } catch (raw) {
        this.#throwIfStopped();
        if (raw instanceof CoolingDown && raw.cycleError === undefined && givenBack++ < MAX_GIVEN_BACK) {
          // The breaker closed its door before this cycle made a request: not a try.
          mirror.cycles += 1;
          continue;
        }
        const error = raw instanceof CoolingDown ? raw.cycleError : unwrap(raw);
        // A placement that failed after the file was verified and closed: no mirror can help.
        if (this.#partial?.closed) throw error;
        if (isLocalFileError(error) || error instanceof RequestLimitError) throw error;
        failures.push(error);
        const classification = classifyError(error);
        const corrupt = error instanceof ChecksumMismatchError;
        if (corrupt) health.demote(mirror.url);
        if (isPermanent(error, classification)) mirror.cycles = 0;
        const next =
          mirrors.find((candidate) => candidate !== mirror && candidate.cycles > 0) ??
          (mirror.cycles > 0 ? mirror : undefined);
        this.#deps.emit('download:mirror-failover', {
          dest: this.#dest,
          from: redactUrl(mirror.url.href),
          to: next ? redactUrl(next.url.href) : undefined,
          category: classification.category,
          message: error instanceof Error ? error.message : String(error),
          demoted: corrupt,
        });
      }
    }
  }

  /** Waits for the earliest of `mirrors` to leave its cool-down, saying so in events and progress. */
  async #waitForCooldown(mirrors: readonly URL[]): Promise<void> {
    const { health } = this.#deps;
    let announced = false;
    await waitForCooldown(health, mirrors, this.#stop.signal, ({ retryInMs, soonest }) => {
      const url = redactUrl(soonest.href);
      const seconds = Math.ceil(retryInMs / 1000);
      const message =
        retryInMs > 0
          ? `mirror ${url} cooling down, retrying in ${seconds} s`
          : `mirror ${url} is being probed by another download, waiting for the result`;
      if (!announced) {
        announced = true;
        const cause = health.lastFailure(soonest);
        this.#deps.emit('download:cooldown', {
          dest: this.#dest,
          mirrors: mirrors.map((mirror) => redactUrl(mirror.href)),
          retryInMs,
          category: cause === undefined ? undefined : classifyError(cause).category,
          message,
        });
      }
      this.#progress.waiting(url, this.#held, this.#state.total, this.#state.transferred, {
        reason: 'cooldown',
        retryInMs,
        message,
      });
    });
  }

  /** All retries on one mirror; attempts that made progress do not spend the retry budget. */
  async #onMirror(mirror: URL, othersLeft: boolean): Promise<DownloadResult> {
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
        const before = this.#held;
        // One retry cycle: its retries count as at most one failure against the origin's breaker.
        const gate = new CycleGate(this.#deps.health, mirror);
        try {
          return await this.#deps.options.retry.execute(
            (ctx) =>
              transferAll(this.#context(), mirror, {
                signal: ctx.signal,
                callSignal: this.#stop.signal,
                othersLeft,
                started: this.#started,
                gate,
              }),
            { signal: this.#stop.signal, operation: this.#operation },
          );
        } catch (error) {
          gate.finish();
          if (error instanceof CoolingDown) throw error;
          const inner = unwrap(error);
          // A new cycle after one that kept bytes, unless it ended as a trickle (the bytes stay).
          const last = error instanceof RetriesExhaustedError ? error.cause : inner;
          const trickle = last instanceof StallError && last.slow !== undefined;
          if (error instanceof RetriesExhaustedError && !(inner instanceof Failover) && !trickle) {
            if (this.#held > before) continue;
          }
          throw inner;
        }
      }
    } finally {
      untrack();
    }
  }

  /** Throws the caller's cancellation or the time budget's TimeoutError once either happened. */
  #throwIfStopped(): void {
    const signal = this.#stop.signal;
    if (signal.aborted) throw abortError(signal, this.#operation);
  }

  // ---------------------------------------------------------------------------------------------
  // Cleanup

  async #cleanup(ok: boolean, claim: Claim | undefined): Promise<void> {
    const partial = this.#partial;
    const empty = partial !== undefined && partial.held === 0;
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
    } else if (empty || (await isEmptyFile(this.#partPath))) {
      // Nothing worth keeping: no byte held (a segmented partial may be a sparse file of full size),
      // or nothing on disk (bytes may have arrived but not been written on a full disk, or the
      // partial was created but never opened after a failed free-space check). A non-empty prefix
      // is kept on purpose: the next run resumes it.
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
