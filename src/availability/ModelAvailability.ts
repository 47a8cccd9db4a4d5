import type { Downloader } from '../downloads/Downloader.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ModelUnavailableError } from '../errors/ModelUnavailableError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { AvailabilityEvents } from '../events/availabilityEvents.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import { ModelIntegrityChecker } from '../integrity/ModelIntegrityChecker.js';
import { type Manifest, type ManifestModel, parseManifest } from '../integrity/manifest.js';
import type { FileFetcher, ModelReport } from '../integrity/types.js';
import { abortError } from '../shared/abort.js';
import { redact } from '../shared/redaction/redact.js';
import { optionalDuration, optionalObject } from '../shared/validate.js';
import { rankCleanup } from './cleanup.js';
import { downloadModel } from './download.js';
import {
  type ModelAvailabilityOptions,
  type ResolvedAvailabilityOptions,
  resolveAvailabilityOptions,
} from './options.js';
import { callerSignal, SharedTask } from './sharedTask.js';
import { downloadingStatus, installedStatus, reasonFor } from './state.js';
import { defaultSteps } from './steps.js';
import type {
  AvailabilityChecker,
  AvailabilityProgress,
  CleanupSuggestion,
  EnsureReadyOptions,
  ModelState,
  ModelStatus,
  UpdateReport,
  UsageRecord,
  UsageReport,
} from './types.js';
import { checkUpdates } from './updates.js';
import { UsageTracker } from './usage.js';

/** The one download of a model and who is waiting for it. */
interface ModelJob {
  readonly task: SharedTask<void>;
  readonly listeners: Set<(progress: AvailabilityProgress) => void>;
  progress?: AvailabilityProgress;
  held: boolean;
}

/**
 * Runtime readiness of the models of a manifest: which are ready, downloading (with percent and
 * ETA), incomplete, corrupt or absent, always with `mode: 'real' | 'mock'` and, for mock, the
 * reason and how to get the real model.
 *
 * `ensureReady(id)` starts or joins **the one** download of a model: concurrent callers share it
 * (each file is fetched once), a caller that aborts or times out leaves without cancelling the
 * others, and the download is paused (partials kept) only when no caller is left. When a download
 * completes and verifies, `availability:ready` fires and the model is `real` from then on.
 *
 * Also: `checkForUpdates()` (Hub revision or a newer manifest), `recordUse()` / `usage()`, and
 * `suggestCleanup({ needBytes })` ranking the least-used models for removal.
 *
 * @example
 * ```ts
 * const availability = new ModelAvailability({ root, manifest, downloader });
 * try {
 *   await availability.ensureReady('Wan2.2-T2V-A14B', { timeout: 10_000 });
 * } catch (error) {
 *   if (error instanceof ModelUnavailableError) useMock(error.alternatives[0], error.steps);
 * }
 * ```
 */
export class ModelAvailability extends ReliabilityEmitter<AvailabilityEvents> {
  /** The validated options. */
  readonly options: ResolvedAvailabilityOptions;
  readonly #checker: AvailabilityChecker;
  readonly #usage: UsageTracker;
  readonly #jobs = new Map<string, ModelJob>();
  /** Why the last attempt to make a model ready failed (cleared when it becomes ready). */
  readonly #failures = new Map<string, string>();
  #ownDownloader: Promise<Downloader> | undefined;
  #closed = false;

  constructor(options: ModelAvailabilityOptions) {
    super();
    this.options = resolveAvailabilityOptions(options);
    const { root, manifest } = this.options;
    // The default Downloader is created (and its module loaded) on first need: status() and usage()
    // never open sockets, and importing /availability does not load the HTTP client.
    const downloader: FileFetcher = this.options.downloader ?? {
      download: async (request, call) => {
        this.#ownDownloader ??= import('../downloads/Downloader.js').then(
          ({ Downloader }) => new Downloader(),
        );
        const own = await this.#ownDownloader;
        // close() may have run while the module loaded: a closed availability starts no download.
        if (this.#closed) own.close();
        return own.download(request, call);
      },
    };
    this.#checker = this.options.checker ?? new ModelIntegrityChecker({ root, manifest, downloader });
    this.#usage = new UsageTracker(this.options.usageStore);
  }

  /** The validated manifest. */
  get manifest(): Manifest {
    return this.options.manifest;
  }

  /**
   * Status of one model (`id`) or of all, in manifest order. Models being downloaded report
   * progress; the others are checked with a quick verify (stat cache; files not seen before are
   * hashed once). Unknown ids throw a ConfigurationError.
   */
  async status(id?: string, options: { signal?: AbortSignal } = {}): Promise<ModelStatus[]> {
    const models = id === undefined ? [...this.manifest.models] : [this.#model(id, 'status')];
    const idle = new Set(models.filter((m) => !this.#running(m.id)).map((m) => m.id));
    for (const m of models) for (const alt of m.alternatives) if (!this.#running(alt)) idle.add(alt);
    const reports = await this.#verify([...idle], options.signal);
    const ready = new Set([...reports.values()].filter((r) => r.ok).map((r) => r.id));
    return models.map((model) => this.#statusOf(model, reports.get(model.id), ready));
  }

  /**
   * Resolves when model `id` is ready (verified on disk), starting or joining its one download.
   * Rejects with a ModelUnavailableError listing the ready alternatives and setup steps when the
   * download fails or `timeout` passes (the download then goes on for the other callers; the last
   * one to leave pauses it, keeping partials), and with a cancelled error when `signal` aborts.
   */
  async ensureReady(id: string, options: EnsureReadyOptions = {}): Promise<void> {
    optionalObject('ensureReady options', options);
    const timeout = optionalDuration('ensureReady timeout', options.timeout);
    const { signal, onProgress } = options;
    const model = this.manifest.models.find((m) => m.id === id);
    if (!model) {
      throw new ModelUnavailableError(String(id), {
        reason: `the manifest lists no model "${String(id)}" (it has ${this.manifest.models.map((m) => m.id).join(', ')})`,
        steps: ['Check the model id, or use a manifest that lists it.'],
      });
    }
    if (signal?.aborted) throw abortError(signal, `ensureReady ${id}`);
    const caller = callerSignal(signal, timeout, `ensureReady ${id}`);
    const job = this.#jobFor(model);
    if (options.background === true && !job.held) {
      // The availability object itself waits too, so the download outlives every caller.
      job.held = true;
      job.task.join().catch(() => {});
    }
    if (onProgress) job.listeners.add(onProgress);
    try {
      await job.task.join(caller.signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, `ensureReady ${id}`);
      throw await this.#unavailable(model, error, job);
    } finally {
      caller.dispose();
      if (onProgress) job.listeners.delete(onProgress);
    }
  }

  /** Counts one use of model `id` (persisted in the usage store). */
  async recordUse(id: string): Promise<UsageRecord> {
    this.#model(id, 'recordUse');
    return this.#usage.record(id, new Date(this.options.now()));
  }

  /** Use counts of every manifest model, most and least used. */
  usage(): Promise<UsageReport> {
    return this.#usage.report(this.manifest.models.map((m) => m.id));
  }

  /**
   * Models to remove to free `needBytes` (all installed ones when not given), least used first
   * (never used, then the longest unused). Models being downloaded and those in `keep` are never
   * suggested. Nothing is deleted: the caller decides.
   */
  async suggestCleanup(
    options: { needBytes?: number; keep?: readonly string[] } = {},
  ): Promise<CleanupSuggestion> {
    optionalObject('suggestCleanup options', options);
    const { needBytes } = options;
    if (needBytes !== undefined && !(Number.isFinite(needBytes) && needBytes >= 0)) {
      throw new ConfigurationError('suggestCleanup needBytes', 'a non-negative number of bytes', needBytes);
    }
    const keep = new Set(options.keep ?? []);
    const usage = await this.#usage.records(this.manifest.models.map((m) => m.id));
    const eligible = this.manifest.models.flatMap((model, i) =>
      keep.has(model.id) || this.#running(model.id)
        ? []
        : [{ model, usage: usage[i] ?? { id: model.id, uses: 0 } }],
    );
    return rankCleanup(this.options.root, eligible, needBytes);
  }

  /**
   * Compares each installed revision with the remote one: the Hub model API (`sha` of the head of
   * the configured branch, `updates.baseUrl`), or the given newer `manifest`. Reports per model
   * whether an update exists and what it would download. A model whose check fails carries
   * `error` and `updateAvailable: undefined`; only the caller's abort rejects.
   */
  async checkForUpdates(
    options: { signal?: AbortSignal; manifest?: Manifest; models?: readonly string[] } = {},
  ): Promise<UpdateReport> {
    optionalObject('checkForUpdates options', options);
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal, 'checkForUpdates');
    const models =
      options.models === undefined
        ? [...this.manifest.models]
        : options.models.map((id) => this.#model(id, 'checkForUpdates'));
    const newer = options.manifest === undefined ? undefined : parseManifest(options.manifest);
    return checkUpdates(models, { source: this.options.updates, newer, signal, now: this.options.now });
  }

  /** Pauses every running download (partials are kept) and closes the Downloader it created. */
  close(): void {
    this.#closed = true;
    for (const job of this.#jobs.values()) job.task.cancel();
    void this.#ownDownloader?.then((own) => own.close());
  }

  /**
   * `await using availability = new ModelAvailability(…)`: {@link close} when the scope ends, then
   * waits until every cancelled download has wound down (its partial file written and closed).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const jobs = [...this.#jobs.values()];
    this.close();
    await Promise.all([
      ...jobs.map((job) => job.task.done()),
      this.#ownDownloader?.then((own) => own.close()),
    ]);
  }

  /** The model's download in progress (one every caller left is winding down, not running). */
  #running(id: string): ModelJob | undefined {
    const job = this.#jobs.get(id);
    return job && !job.task.abandoned ? job : undefined;
  }

  #model(id: string, operation: string): ManifestModel {
    const model = this.manifest.models.find((m) => m.id === id);
    if (!model) {
      throw new ConfigurationError(
        `${operation} id`,
        `a model id of the manifest (${this.manifest.models.map((m) => m.id).join(', ')})`,
        id,
      );
    }
    return model;
  }

  async #verify(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, ModelReport>> {
    if (ids.length === 0) return new Map();
    const report = await this.#checker.verify(signal ? { models: ids, signal } : { models: ids });
    return new Map(report.models.map((r) => [r.id, r]));
  }

  #steps(model: ManifestModel, state: ModelState, bytesToDownload: number | undefined): string[] {
    return [
      ...(this.options.setupSteps?.(model, state) ??
        defaultSteps(model, state, this.options.root, bytesToDownload)),
    ];
  }

  #statusOf(model: ManifestModel, report: ModelReport | undefined, ready: ReadonlySet<string>): ModelStatus {
    const job = this.#running(model.id);
    const alternatives = model.alternatives.filter((alt) => ready.has(alt));
    if (job || !report) return downloadingStatus(model, job?.progress, alternatives);
    const steps = (state: ModelState) => this.#steps(model, state, report.bytesToDownload);
    return installedStatus(model, report, this.#failures.get(model.id), steps, alternatives);
  }

  #jobFor(model: ManifestModel): ModelJob {
    const current = this.#jobs.get(model.id);
    if (current && !current.task.abandoned) return current;
    // An abandoned download may still be winding down (closing files): the new one starts after it.
    const previous = current?.task.done();
    const job: ModelJob = {
      task: new SharedTask<void>(async (signal) => {
        await previous;
        const done = await downloadModel(model, {
          checker: this.#checker,
          signal,
          now: this.options.now,
          onStart: (bytesToDownload) =>
            this.announce('availability:download-start', { id: model.id, bytesToDownload }),
          onProgress: (progress) => {
            job.progress = progress;
            for (const listener of job.listeners) listener(progress);
            this.announce('availability:progress', progress);
          },
          steps: (state, bytes) => this.#steps(model, state, bytes),
        });
        this.#failures.delete(model.id);
        // Leave the map before announcing, so that a listener calling status() already sees 'real'.
        if (this.#jobs.get(model.id) === job) this.#jobs.delete(model.id);
        if (done) this.announce('availability:ready', { id: model.id, mode: 'real', ...done });
      }),
      listeners: new Set(),
      held: false,
    };
    this.#jobs.set(model.id, job);
    void job.task.done().then(() => {
      if (this.#jobs.get(model.id) === job) this.#jobs.delete(model.id);
    });
    return job;
  }

  async #unavailable(model: ManifestModel, error: unknown, job: ModelJob): Promise<ModelUnavailableError> {
    let reason: string;
    let steps: string[];
    let cause: unknown = error;
    if (error instanceof ModelUnavailableError) {
      reason = error.reason;
      steps = [...error.steps];
      cause = error.cause;
    } else if (error instanceof TimeoutError) {
      const where = job.progress
        ? reasonFor('downloading', { files: model.files.length, progress: job.progress })
        : 'download not started';
      reason = `not ready within ${error.timeoutMs} ms (${where})`;
      steps = this.#steps(
        model,
        'incomplete',
        job.progress ? job.progress.bytesTotal - job.progress.bytesDone : undefined,
      );
    } else {
      reason = redact(`could not be made ready: ${error instanceof Error ? error.message : String(error)}`);
      steps = this.#steps(model, 'incomplete', undefined);
    }
    this.#failures.set(model.id, reason);
    let alternatives: string[] = [];
    if (model.alternatives.length > 0) {
      try {
        const reports = await this.#verify(model.alternatives.filter((alt) => !this.#running(alt)));
        alternatives = model.alternatives.filter((alt) => reports.get(alt)?.ok === true);
      } catch {
        // Alternatives are a courtesy: failing to check them must not hide the original error.
      }
    }
    this.announce('availability:unavailable', { id: model.id, mode: 'mock', reason, alternatives });
    return new ModelUnavailableError(model.id, { reason, alternatives, steps, cause });
  }
}
