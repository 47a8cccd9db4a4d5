import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { addSecret, redactUrl } from '../context/redact.js';
import { AuthenticationError } from '../errors/AuthenticationError.js';
import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { classifyError } from '../errors/classify.js';
import { DiskFullError } from '../errors/DiskFullError.js';
import { HttpError } from '../errors/HttpError.js';
import { ResumeError } from '../errors/ResumeError.js';
import { RetriesExhaustedError } from '../errors/RetriesExhaustedError.js';
import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import { StallError } from '../errors/StallError.js';
import type { DownloadEvents, RestartReason } from '../events/downloadEvents.js';
import { abortError, sleep } from '../policy/abort.js';
import type { Agents } from './agents.js';
import { BlockSink } from './blockSink.js';
import { adopt, type Claim, discard, findOrphans, markActive, newWriterId, tryClaim } from './claim.js';
import { ensureFreeSpace, isDiskFull } from './diskSpace.js';
import { placeFile, removeEmptyWorkDirs } from './finalize.js';
import type { Hasher, HasherPool } from './hashWorker.js';
import { get } from './httpClient.js';
import type { MirrorHealth } from './mirrors.js';
import type {
  DownloadCallOptions,
  DownloadResult,
  ResolvedDownloaderOptions,
  ResolvedRequest,
} from './options.js';
import { PARTIAL_SUFFIX, partialDirFor } from './partialPath.js';
import { ProgressTracker } from './progress.js';
import { pumpBody } from './pump.js';
import { type PartialMeta, planResponse, resumeHeaders, urlKey } from './rangeResume.js';
import type { TokenBucket } from './throttle.js';

/** Everything a download shares with its Downloader. */
export interface SessionDeps {
  readonly options: ResolvedDownloaderOptions;
  readonly agents: Agents;
  readonly hashers: HasherPool;
  readonly bucket: TokenBucket | undefined;
  readonly health: MirrorHealth;
  /** Tokens that worked, per origin (sent up front to that origin afterwards). */
  readonly tokens: Map<string, string>;
  readonly tls: import('./httpClient.js').TlsOptions | undefined;
  readonly emit: <K extends keyof DownloadEvents & string>(event: K, payload: DownloadEvents[K]) => void;
  /** Registers the operation name RetryPolicy will report for this session's retries. */
  readonly trackRetries: (
    operation: string,
    onRetry: (attempt: number, error: unknown, delayMs: number, serverDirected: boolean) => void,
  ) => () => void;
}

/** Blocks in flight per download (4 × 4 MiB by default). */
const POOL_BLOCKS = 4;
/** How often a waiting writer looks at the claim again. */
const CLAIM_POLL_MS = 250;
/** Syscalls that mean a local file problem, not a mirror problem. */
const LOCAL_SYSCALLS = new Set([
  'open',
  'write',
  'read',
  'rename',
  'ftruncate',
  'fsync',
  'mkdir',
  'unlink',
  'copyfile',
  'statfs',
  'fstat',
  'close',
  'link',
  'rmdir',
  'scandir',
  'stat',
  'utime',
]);

/** Makes RetryPolicy give up at once so the mirror loop can fail over; carries the real error. */
class Failover extends Error {
  readonly retryable = false;
  readonly error: unknown;
  constructor(error: unknown) {
    super(error instanceof Error ? error.message : String(error));
    this.error = error;
  }
}

/** Ends the current mirror; the next one continues. */
function unwrap(error: unknown): unknown {
  if (error instanceof Failover) return error.error;
  if (error instanceof RetriesExhaustedError && error.cause instanceof Failover) return error.cause.error;
  return error;
}

function isLocalFileError(error: unknown): boolean {
  if (error instanceof DiskFullError) return true;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  return (
    typeof syscall === 'string' && LOCAL_SYSCALLS.has(syscall) && !(error as { status?: unknown }).status
  );
}

async function readMeta(file: string): Promise<PartialMeta | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as PartialMeta;
    return value && value.version === 1 && typeof value.urlKey === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

async function writeMeta(file: string, meta: PartialMeta): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, JSON.stringify(meta));
  await rename(temp, file);
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

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
  readonly #progress: ProgressTracker;
  readonly #started = performance.now();

  #file: FileHandle | undefined;
  #hasher: Hasher | undefined;
  #sink: BlockSink | undefined;
  #meta: PartialMeta | undefined;
  /** Bytes of the partial that are hashed by the pending prefix hash. */
  #prefixLength = 0;
  #prefixHash: Promise<number> = Promise.resolve(0);
  #total: number | undefined;
  #transferred = 0;
  #attempts = 0;
  #resumed = false;
  #resumeAnnounced = false;
  #currentUrl = '';
  /** Restarts forced by bad or ignored range answers on the current mirror (more than 3 fail it). */
  #refetches = 0;

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
      const acquired = await this.#acquireClaim();
      claim = acquired.claim;
      if (acquired.waited) {
        const existing = await this.#existingResult();
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

  async #acquireClaim(): Promise<{ claim: Claim; waited: boolean }> {
    let waited = false;
    for (;;) {
      if (this.#signal?.aborted) throw abortError(this.#signal, this.#operation);
      await mkdir(this.#dir, { recursive: true });
      let attempt: Awaited<ReturnType<typeof tryClaim>>;
      try {
        attempt = await tryClaim(this.#dir, this.#writerId, this.#deps.options.lockStaleAfter);
      } catch (error) {
        // The folder was removed by a writer that just finished: create it again.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      if (attempt.acquired) return { claim: attempt.claim, waited };
      if (!waited && attempt.holder) {
        this.#deps.emit('download:waiting', {
          dest: this.#dest,
          pid: attempt.holder.pid,
          host: attempt.holder.host,
        });
      }
      waited = true;
      await sleep(CLAIM_POLL_MS + Math.floor(Math.random() * 50), this.#signal, this.#operation);
    }
  }

  /** After waiting for another writer: the file it placed, if it is what we want. */
  async #existingResult(): Promise<DownloadResult | undefined> {
    const info = await stat(this.#dest).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    if (this.#req.size !== undefined && info.size !== this.#req.size) return undefined;
    const hasher = this.#deps.hashers.acquire(info.size);
    try {
      const hashed = await hasher.hashFile(this.#dest, info.size);
      const sha256 = await hasher.digest();
      if (hashed !== info.size || (this.#req.sha256 !== undefined && sha256 !== this.#req.sha256))
        return undefined;
      const url = redactUrl((this.#req.urls[0] as URL).href);
      this.#progress.update(url, info.size, info.size, 0, true);
      return {
        path: this.#dest,
        bytes: info.size,
        bytesTransferred: 0,
        sha256,
        url,
        attempts: 0,
        resumed: false,
      };
    } finally {
      hasher.release();
    }
  }

  async #openPartial(): Promise<void> {
    const orphans = await findOrphans(this.#dir, this.#writerId, this.#deps.options.lockStaleAfter);
    let adopted = false;
    for (const orphan of orphans) {
      if (!adopted && (await adopt(this.#dir, orphan, this.#writerId))) adopted = true;
      else await discard(this.#dir, orphan, this.#writerId);
    }
    this.#file = await open(this.#partPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    let offset = (await this.#file.stat()).size;
    this.#meta = adopted ? await readMeta(this.#metaPath) : undefined;
    const { size, sha256 } = this.#req;
    const foreign = this.#meta?.sha256 !== undefined && sha256 !== undefined && this.#meta.sha256 !== sha256;
    if (offset > 0 && ((size !== undefined && offset > size) || foreign)) {
      this.#announceRestart('oversized-partial', offset);
      await this.#file.truncate(0);
      offset = 0;
      this.#meta = undefined;
    }
    this.#total = size ?? this.#meta?.total;
    if (size !== undefined) await ensureFreeSpace(this.#dir, size - offset, this.#dest);
    this.#hasher = this.#deps.hashers.acquire(size ?? this.#meta?.total);
    // The kept prefix is hashed by the worker while the first request is in flight.
    this.#prefixLength = offset;
    this.#prefixHash = offset > 0 ? this.#hasher.hashFile(this.#partPath, offset) : Promise.resolve(0);
    this.#prefixHash.catch(() => {});
    this.#sink = new BlockSink(this.#file, this.#hasher, offset, this.#deps.options.blockSize, POOL_BLOCKS);
  }

  get #offset(): number {
    return (this.#sink as BlockSink).received;
  }

  /** Throws away every kept byte: the next transfer starts at 0. */
  async #truncate(reason: RestartReason): Promise<void> {
    const sink = this.#sink as BlockSink;
    const hasher = this.#hasher as Hasher;
    await sink.settle();
    const discarded = sink.received;
    hasher.cancelFile();
    await this.#prefixHash.catch(() => 0);
    await hasher.reset();
    await (this.#file as FileHandle).truncate(0);
    sink.restartAt(0);
    this.#prefixLength = 0;
    this.#prefixHash = Promise.resolve(0);
    this.#resumed = false;
    if (discarded > 0) this.#announceRestart(reason, discarded);
  }

  #announceRestart(reason: RestartReason, discardedBytes: number): void {
    this.#deps.emit('download:restart', { dest: this.#dest, url: this.#currentUrl, reason, discardedBytes });
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
          const permanent =
            error instanceof AuthenticationError ||
            error instanceof SizeMismatchError ||
            (!classification.retryable &&
              !corrupt &&
              classification.category !== 'circuit_open' &&
              !(error instanceof StallError));
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
    this.#currentUrl = redactUrl(mirror.href);
    this.#refetches = 0;
    const untrack = this.#deps.trackRetries(this.#operation, (attempt, error, delayMs, serverDirected) => {
      const classification = classifyError(unwrap(error));
      this.#deps.emit('download:retry', {
        dest: this.#dest,
        url: this.#currentUrl,
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
            (ctx) => breaker.execute(() => this.#transferAll(mirror, ctx.signal, othersLeft)),
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
  // Transfers

  /**
   * Requests until the file is complete or an error without progress: a body cut after some bytes
   * (or a stall after some bytes) is resumed at once with Range, without spending a retry.
   */
  async #transferAll(mirror: URL, signal: AbortSignal, othersLeft: boolean): Promise<DownloadResult> {
    for (;;) {
      // Progress = the kept file grew; a mirror that ignores Range and cuts every body makes none.
      const before = this.#offset;
      let outcome: 'done' | 'complete';
      try {
        outcome = await this.#transferOnce(mirror, signal);
      } catch (error) {
        if (this.#signal?.aborted || signal.aborted) throw error;
        const progressed = this.#offset > before;
        if (progressed && this.#resumable(error)) {
          try {
            await this.#settleAfterCut();
          } catch (flushError) {
            throw isDiskFull(flushError) ? await this.#diskFull(flushError) : flushError;
          }
          continue;
        }
        if (isDiskFull(error)) throw await this.#diskFull(error);
        if (error instanceof StallError && othersLeft) throw new Failover(error);
        if (error instanceof ChecksumMismatchError || error instanceof SizeMismatchError)
          throw new Failover(error);
        throw error;
      }
      let result: DownloadResult | undefined;
      try {
        result = await this.#verifyAndPlace(mirror, outcome);
      } catch (error) {
        // Corrupt bytes: no point retrying this mirror now; the mirror loop demotes it.
        if (error instanceof ChecksumMismatchError || error instanceof SizeMismatchError)
          throw new Failover(error);
        throw error;
      }
      if (result) return result;
    }
  }

  #resumable(error: unknown): boolean {
    if (error instanceof StallError) return true;
    if (error instanceof HttpError || error instanceof SizeMismatchError || isDiskFull(error)) return false;
    if (isLocalFileError(error)) return false;
    const { category } = classifyError(error);
    return category === 'network' || category === 'timeout';
  }

  /** After a cut body: make the partial consistent with what was hashed. */
  async #settleAfterCut(): Promise<void> {
    await (this.#sink as BlockSink).flush();
  }

  async #diskFull(error: unknown): Promise<DiskFullError> {
    const sink = this.#sink as BlockSink;
    await sink.settle();
    // Cut back to the bytes written in order, so the kept partial is exactly a prefix.
    await (this.#file as FileHandle).truncate(sink.committed).catch(() => {});
    return error instanceof DiskFullError ? error : new DiskFullError(this.#dest, { cause: error });
  }

  async #transferOnce(mirror: URL, outer: AbortSignal): Promise<'done' | 'complete'> {
    const { options } = this.#deps;
    // Nothing to ask when the expected size is already on disk: verify it.
    if (this.#req.size !== undefined && this.#offset === this.#req.size && this.#req.sha256 !== undefined)
      return 'complete';
    const key = urlKey(mirror);
    let tokenAsked = false;
    for (;;) {
      const offset = this.#offset;
      const resume = resumeHeaders(offset, this.#meta, key, this.#req.sha256 !== undefined);
      if (!resume.range && offset > 0) {
        await this.#truncate('validator-changed');
        continue;
      }
      const headers: Record<string, string> = {
        ...options.headers,
        'accept-encoding': 'identity',
        ...resume.headers,
      };
      const token = this.#deps.tokens.get(mirror.origin);
      if (token && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
        headers.authorization = `Bearer ${token}`;
      }
      const controller = new AbortController();
      const watchdog = new StallWatchdog(options.stallTimeout, () =>
        controller.abort(new StallError(options.stallTimeout, { url: this.#currentUrl })),
      );
      const onAbort = () => controller.abort(outer.reason);
      outer.addEventListener('abort', onAbort, { once: true });
      this.#attempts++;
      try {
        let response: IncomingMessage;
        try {
          ({ response } = await get(mirror, {
            headers,
            signal: controller.signal,
            agents: this.#deps.agents,
            proxy: options.proxy,
            maxRedirects: options.maxRedirects,
            tls: this.#deps.tls,
          }));
        } catch (error) {
          throw controller.signal.reason instanceof StallError ? controller.signal.reason : error;
        }
        watchdog.touch();
        const status = response.statusCode ?? 0;
        if (status === 401 || status === 403) {
          response.resume();
          const sentToken = headers.authorization !== undefined;
          if (!tokenAsked && options.token) {
            tokenAsked = true;
            let fresh: string | undefined | null;
            try {
              fresh = await options.token();
            } catch {
              fresh = undefined;
            }
            if (typeof fresh === 'string' && fresh !== '' && fresh !== token) {
              // From now on every text the package redacts hides it too.
              addSecret(fresh);
              this.#deps.tokens.set(mirror.origin, fresh);
              continue;
            }
          }
          throw new AuthenticationError(`${this.#currentUrl} refused access (HTTP ${status})`, {
            status,
            url: this.#currentUrl,
            tokenSent: sentToken,
          });
        }
        if (status >= 400 && status !== 416) {
          response.resume();
          throw new HttpError(status, `HTTP ${status} from ${this.#currentUrl}`, {
            headers: response.headers,
            url: this.#currentUrl,
          });
        }
        const plan = planResponse({
          status,
          headers: response.headers,
          offset,
          rangeSent: resume.range,
          expectedSize: this.#req.size,
          knownTotal: this.#total,
          url: this.#currentUrl,
        });
        if (plan.action === 'fail') {
          response.destroy();
          throw plan.error;
        }
        if (plan.action === 'refetch') {
          response.destroy();
          if (++this.#refetches > 3) {
            throw new ResumeError(
              `${this.#currentUrl} sent ${this.#refetches} unusable answers to range requests`,
              {
                url: this.#currentUrl,
              },
            );
          }
          await this.#truncate(plan.reason);
          continue;
        }
        if (plan.action === 'complete') {
          response.resume();
          this.#total = plan.total;
          return 'complete';
        }
        if (plan.action === 'restart') {
          if (++this.#refetches > 3) {
            response.destroy();
            throw new ResumeError(
              `${this.#currentUrl} ignored Range and cut the body ${this.#refetches} times`,
              {
                url: this.#currentUrl,
              },
            );
          }
          await this.#truncate(plan.reason);
        } else if (plan.start > 0) this.#resumed = true;
        const total = plan.total ?? this.#req.size;
        if (total !== undefined) this.#total = total;
        // Checked while the body already flows: a closed connection drops unread bytes.
        const needed = total !== undefined ? total - this.#offset : 0;
        const before = Promise.all([
          ensureFreeSpace(this.#dir, needed, this.#dest),
          this.#rememberValidators(key, response),
        ]);
        before.catch((error: unknown) => controller.abort(error));
        if (this.#offset > 0 && !this.#resumeAnnounced) {
          this.#resumeAnnounced = true;
          this.#deps.emit('download:resume', {
            dest: this.#dest,
            url: this.#currentUrl,
            offset: this.#offset,
            adopted: this.#prefixLength > 0,
          });
        }
        await pumpBody(response, {
          sink: this.#sink as BlockSink,
          length: plan.length,
          total: this.#total,
          bucket: this.#deps.bucket,
          url: this.#currentUrl,
          signal: controller.signal,
          setHeld: (held) => watchdog.hold(held),
          touch: () => watchdog.touch(),
          onChunk: (bytes) => {
            this.#transferred += bytes;
            this.#progress.update(this.#currentUrl, this.#offset, this.#total, this.#transferred);
          },
        }).catch((error: unknown) => {
          const reason: unknown = controller.signal.reason;
          throw reason instanceof StallError || reason instanceof DiskFullError ? reason : error;
        });
        await before;
        return 'done';
      } finally {
        watchdog.stop();
        outer.removeEventListener('abort', onAbort);
      }
    }
  }

  async #rememberValidators(key: string, response: IncomingMessage): Promise<void> {
    const meta: PartialMeta = {
      version: 1,
      urlKey: key,
      etag: headerString(response.headers.etag),
      lastModified: headerString(response.headers['last-modified']),
      total: this.#total,
      sha256: this.#req.sha256,
    };
    const old = this.#meta;
    if (
      old &&
      old.urlKey === meta.urlKey &&
      old.etag === meta.etag &&
      old.lastModified === meta.lastModified &&
      old.total === meta.total
    ) {
      return;
    }
    this.#meta = meta;
    await writeMeta(this.#metaPath, meta);
  }

  /**
   * Checks size and sha256 of everything kept and received; on success fsyncs and renames into
   * place. Returns undefined when the transfer must go on (a resumed prefix turned out bad).
   */
  async #verifyAndPlace(mirror: URL, outcome: 'done' | 'complete'): Promise<DownloadResult | undefined> {
    const sink = this.#sink as BlockSink;
    const hasher = this.#hasher as Hasher;
    try {
      await sink.flush();
    } catch (error) {
      if (isDiskFull(error)) throw await this.#diskFull(error);
      throw error;
    }
    const bytes = sink.received;
    const prefixHashed = await this.#prefixHash;
    if (prefixHashed !== this.#prefixLength) {
      await this.#truncate('resumed-checksum-mismatch');
      return undefined;
    }
    const total = this.#req.size ?? this.#total;
    if (total !== undefined && bytes !== total) {
      if (outcome === 'complete' || bytes > total) {
        await this.#truncate('oversized-partial');
        return undefined;
      }
      // A body that ended short without an error: continue from here.
      return undefined;
    }
    const sha256 = await hasher.digest();
    if (this.#req.sha256 !== undefined && sha256 !== this.#req.sha256) {
      const usedOldBytes = this.#prefixLength > 0;
      this.#prefixLength = 0;
      this.#prefixHash = Promise.resolve(0);
      await (this.#file as FileHandle).truncate(0);
      sink.restartAt(0);
      await hasher.reset();
      if (usedOldBytes) {
        // The bad byte may be in what an earlier run kept: fetch everything once more from here.
        this.#announceRestart('resumed-checksum-mismatch', bytes);
        return undefined;
      }
      throw new ChecksumMismatchError(this.#req.sha256, sha256, {
        url: redactUrl(mirror.href),
        path: this.#dest,
      });
    }
    const file = this.#file as FileHandle;
    await file.sync();
    await file.close();
    this.#file = undefined;
    const workDir = partialDirFor(this.#dest, { root: this.#req.root });
    await placeFile(this.#partPath, this.#dest, workDir);
    const url = this.#currentUrl;
    this.#progress.update(url, bytes, bytes, this.#transferred, true);
    const result: DownloadResult = {
      path: this.#dest,
      bytes,
      bytesTransferred: this.#transferred,
      sha256,
      url,
      attempts: this.#attempts,
      resumed: this.#resumed || this.#prefixLength > 0,
    };
    this.#deps.emit('download:complete', {
      dest: this.#dest,
      url,
      bytes,
      bytesTransferred: this.#transferred,
      sha256,
      attempts: this.#attempts,
      resumed: result.resumed,
      durationMs: performance.now() - this.#started,
    });
    return result;
  }

  // ---------------------------------------------------------------------------------------------
  // Cleanup

  async #cleanup(ok: boolean, claim: Claim | undefined): Promise<void> {
    const sink = this.#sink;
    const file = this.#file;
    if (file) {
      // Keep what arrived (a pause); the next run re-hashes it before trusting it.
      if (!ok && sink) await sink.flush().catch(() => sink.settle());
      await file.close().catch(() => {});
      this.#file = undefined;
    }
    this.#hasher?.release();
    this.#hasher = undefined;
    const remove = ok || this.#call.removePartial === true;
    if (remove) {
      await unlink(this.#partPath).catch(() => {});
      await unlink(this.#metaPath).catch(() => {});
    } else if (sink && sink.received === 0) {
      // Nothing worth keeping.
      await unlink(this.#partPath).catch(() => {});
      await unlink(this.#metaPath).catch(() => {});
    }
    await claim?.release();
    await removeEmptyWorkDirs(this.#dir);
  }
}

/** The most useful error of all mirrors' failures: authentication first, then the last one. */
function pickError(failures: readonly unknown[]): unknown {
  const auth = failures.find((error) => error instanceof AuthenticationError);
  if (auth) return auth;
  const corrupt = failures.find((error) => error instanceof ChecksumMismatchError);
  return failures[failures.length - 1] ?? corrupt ?? new Error('no mirror could be tried');
}

/** Ends an attempt when no bytes arrived for `timeoutMs` while we were not holding the stream. */
class StallWatchdog {
  readonly #timeoutMs: number;
  readonly #onStall: () => void;
  readonly #timer: NodeJS.Timeout;
  #last = performance.now();
  #held = false;

  constructor(timeoutMs: number, onStall: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onStall = onStall;
    const every = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
    this.#timer = setInterval(() => this.#check(), every);
    this.#timer.unref();
  }

  touch(): void {
    this.#last = performance.now();
  }

  hold(held: boolean): void {
    this.#held = held;
    this.#last = performance.now();
  }

  #check(): void {
    if (!this.#held && performance.now() - this.#last > this.#timeoutMs) {
      this.stop();
      this.#onStall();
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
