import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { redact, redactUrl } from '../context/redact.js';
import { findPartial } from '../download/partialPath.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { classifyError } from '../errors/classify.js';
import { ReliabilityError } from '../errors/ReliabilityError.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import type { IntegrityEvents } from '../events/integrityEvents.js';
import { abortError } from '../policy/abort.js';
import { defaultHashPool, type FileIdentity, type Hasher, type HashResult, identityOf } from './hashPool.js';
import { fileUrls, type Manifest, type ManifestFile, type ManifestModel, parseManifest } from './manifest.js';
import { buildManualSteps } from './manualSteps.js';
import { modelDir, modelFilePath, WORK_DIR, workDir } from './paths.js';
import { STAT_CACHE_FILE, StatCache } from './statCache.js';
import type {
  ActualContent,
  FailedFile,
  FileFetcher,
  FileReport,
  FileStatus,
  IntegrityReport,
  ModelReport,
  RepairedFile,
  RepairOptions,
  RepairResult,
  VerifyOptions,
  VerifyProgress,
} from './types.js';

/** Options of {@link ModelIntegrityChecker}. */
export interface ModelIntegrityCheckerOptions {
  /** Install root: model files live at `<root>/<model id>/<path>`. */
  root: string;
  /** The manifest (validated again here, so a hand-built object is checked too). */
  manifest: Manifest;
  /** What repair downloads with: the package's `Downloader`, or any {@link FileFetcher}. */
  downloader?: FileFetcher | undefined;
  /**
   * The stat cache that lets a quick verify skip unchanged files: `true` (default) keeps it in
   * `<root>/.wan-reliability/integrity-cache.json`, a string names another file, `false` keeps it in
   * memory only (for this checker's lifetime).
   */
  statCache?: boolean | string | undefined;
  /** Hashes files (default: the shared worker-thread pool). */
  hasher?: Hasher | undefined;
  /**
   * Bytes held by a resumable partial download of `dest` (for the `partial` status). Default: the
   * Downloader's convention, partials under `<root>/.wan-reliability/partial/` (or the downloader's
   * `tempDir` when it has one).
   */
  partialBytes?: ((dest: string) => Promise<number | undefined>) | undefined;
}

/** Most files looked at when searching a model folder for misplaced copies. */
const SEARCH_LIMIT = 100_000;

interface Inspection {
  file: ManifestFile;
  /** absent: nothing usable at the path; present: a regular file. */
  kind: 'absent' | 'present';
  actual?: ActualContent;
  note?: string;
  /** Something that is not a regular file occupies the path. */
  blocked?: boolean;
  /** Decided from the stat cache, without reading the file. */
  cached?: boolean;
  ok: boolean;
}

interface Counters {
  filesTotal: number;
  filesChecked: number;
  bytesHashed: number;
  hashedFiles: number;
  cachedFiles: number;
}

const isCode = (error: unknown, ...codes: string[]) =>
  typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');

/**
 * Verifies model files against a manifest and repairs what is wrong: misplaced copies are moved back
 * (no request), missing / partial / corrupt / wrong-size files are downloaded again (resuming
 * partials), and what cannot be fixed comes back with guided manual steps.
 *
 * Events: `integrity:file`, `integrity:hash`, `integrity:verified`, `integrity:repaired`,
 * `integrity:repair-failed`.
 */
export class ModelIntegrityChecker extends ReliabilityEmitter<IntegrityEvents> {
  /** The install root, absolute. */
  readonly root: string;
  /** The validated manifest. */
  readonly manifest: Manifest;
  private readonly downloader: FileFetcher | undefined;
  private readonly hasher: Hasher;
  private readonly cache: StatCache;
  private readonly partialBytesOf: (dest: string) => Promise<number | undefined>;

  constructor(options: ModelIntegrityCheckerOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError(
        'ModelIntegrityChecker options',
        'an object with root and manifest',
        options,
      );
    }
    if (typeof options.root !== 'string' || options.root.length === 0) {
      throw new ConfigurationError('ModelIntegrityChecker.root', 'a folder path', options.root);
    }
    if (options.downloader !== undefined && typeof options.downloader?.download !== 'function') {
      throw new ConfigurationError(
        'ModelIntegrityChecker.downloader',
        'an object with a download() method',
        options.downloader,
      );
    }
    if (options.hasher !== undefined && typeof options.hasher?.hash !== 'function') {
      throw new ConfigurationError(
        'ModelIntegrityChecker.hasher',
        'an object with a hash() method',
        options.hasher,
      );
    }
    const cacheOption = options.statCache ?? true;
    if (typeof cacheOption !== 'boolean' && (typeof cacheOption !== 'string' || cacheOption.length === 0)) {
      throw new ConfigurationError(
        'ModelIntegrityChecker.statCache',
        'true, false or a file path',
        cacheOption,
      );
    }
    this.root = path.resolve(options.root);
    this.manifest = parseManifest(options.manifest);
    this.downloader = options.downloader;
    this.hasher = options.hasher ?? defaultHashPool();
    const cacheFile =
      cacheOption === true
        ? path.join(workDir(this.root), STAT_CACHE_FILE)
        : cacheOption === false
          ? undefined
          : path.resolve(cacheOption);
    this.cache = new StatCache(cacheFile);
    // The Downloader keeps partials under `<root>/.wan-reliability/partial/`, or under its `tempDir`.
    const tempDir = (options.downloader as { tempDir?: unknown } | undefined)?.tempDir;
    const location = { root: this.root, tempDir: typeof tempDir === 'string' ? tempDir : undefined };
    this.partialBytesOf =
      options.partialBytes ?? (async (dest) => (await findPartial(dest, location))?.bytes);
  }

  /**
   * Checks every file (of `models`, default all). Quick mode (default) trusts the stat cache for
   * files whose size, mtime, ctime and inode are unchanged since they were hashed; `deep` re-hashes
   * everything. Only files whose size is right are hashed; a wrong-size file is `size_mismatch`
   * at once. When a model has a problem, its folder is searched for misplaced copies (only files
   * of a needed size are hashed) and for resumable partial downloads.
   */
  async verify(options: VerifyOptions = {}): Promise<IntegrityReport> {
    const started = performance.now();
    const { signal, onProgress } = options;
    const deep = options.deep ?? false;
    if (signal?.aborted) throw abortError(signal, 'verify');
    const models = this.select(options.models);
    await this.cache.load();
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
        models.map((model) => this.verifyModel(model, deep, counters, signal, progress)),
      );
    } finally {
      await this.cache.save();
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
    this.announce('integrity:verified', {
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

  /**
   * Fixes what `report` (default: a fresh quick verify) found: misplaced files are renamed into place
   * (atomic, no request), missing / partial / size_mismatch / corrupt files are downloaded again with
   * the downloader (which resumes partials and renames only verified files into place), then the
   * affected models are verified again. Files it could not fix come back in `failed` with
   * `manualSteps`. Rejects only when `signal` aborts (partials are kept) or the report does not match
   * the manifest.
   */
  async repair(report?: IntegrityReport, options: RepairOptions = {}): Promise<RepairResult> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal, 'repair');
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ConfigurationError('repair concurrency', 'a positive integer', concurrency);
    }
    const before = report ?? (await this.verify(signal ? { signal } : {}));
    const fixed: RepairedFile[] = [];
    const failed: FailedFile[] = [];
    const toFetch: { model: ManifestModel; file: ManifestFile; status: FileStatus; replace: boolean }[] = [];
    const touched = new Set<string>();

    for (const modelReport of before.models) {
      const model = this.manifest.models.find((m) => m.id === modelReport.id);
      if (!model) {
        throw new ConfigurationError('repair report', "a report of this checker's manifest", modelReport.id);
      }
      for (const fileReport of modelReport.files) {
        if (fileReport.status === 'ok') continue;
        const file = model.files.find((f) => f.path === fileReport.path);
        if (!file)
          throw new ConfigurationError('repair report', 'files listed in the manifest', fileReport.path);
        touched.add(model.id);
        if (fileReport.status === 'misplaced' && fileReport.foundAt !== undefined) {
          if (signal?.aborted) throw abortError(signal, 'repair');
          if (await this.moveBack(model, file, fileReport.foundAt, signal)) {
            const done: RepairedFile = {
              model: model.id,
              path: file.path,
              action: 'moved',
              from: fileReport.foundAt,
            };
            fixed.push(done);
            this.announce('integrity:repaired', done);
            continue;
          }
        }
        toFetch.push({
          model,
          file,
          status: fileReport.status,
          replace: fileReport.actual !== undefined && fileReport.status !== 'misplaced',
        });
      }
    }

    const bytesTotal = toFetch.reduce((sum, item) => sum + item.file.size, 0);
    const done = new Map<string, number>();
    let bytesDone = 0;
    const results = await mapLimit(toFetch, concurrency, async (item) => {
      const key = `${item.model.id}/${item.file.path}`;
      const dest = modelFilePath(this.root, item.model.id, item.file.path);
      const urls = fileUrls(item.model, item.file.path);
      try {
        if (signal?.aborted) throw abortError(signal, 'repair');
        if (!this.downloader) {
          throw new ConfigurationError(
            'ModelIntegrityChecker.downloader',
            'a Downloader (or any object with download()) so that repair can fetch files',
            undefined,
          );
        }
        // A known-bad file is removed first: it is never useful and frees its space for the download.
        if (item.replace) await unlinkFile(dest);
        await mkdir(path.dirname(dest), { recursive: true });
        const onProgress = options.onProgress;
        const result = await this.downloader.download(
          {
            urls,
            dest,
            size: item.file.size,
            sha256: item.file.sha256,
            priority: item.model.priority,
            root: this.root,
          },
          {
            ...(signal ? { signal } : {}),
            ...(onProgress
              ? {
                  onProgress: (p: { bytes: number }) => {
                    bytesDone += p.bytes - (done.get(key) ?? 0);
                    done.set(key, p.bytes);
                    onProgress({
                      model: item.model.id,
                      path: item.file.path,
                      bytes: p.bytes,
                      total: item.file.size,
                      bytesDone,
                      bytesTotal,
                    });
                  },
                }
              : {}),
          },
        );
        if (result.sha256.toLowerCase() !== item.file.sha256 || result.bytes !== item.file.size) {
          throw new ReliabilityError(
            `The downloader placed ${item.model.id}/${item.file.path} with sha256 ${result.sha256} (${result.bytes} bytes); the manifest expects ${item.file.sha256} (${item.file.size} bytes)`,
            'ERR_CHECKSUM_MISMATCH',
            'corruption',
          );
        }
        // The downloader verified the content before its rename: remember it so the re-verify needs no hashing.
        const info = await stat(dest, { bigint: true });
        this.cache.set(key, identityOf(info), item.file.sha256);
        const repaired: RepairedFile = {
          model: item.model.id,
          path: item.file.path,
          action: 'downloaded',
          bytesTransferred: result.bytesTransferred,
          url: result.url,
          ...(result.resumed === undefined ? {} : { resumed: result.resumed }),
        };
        this.announce('integrity:repaired', repaired);
        return { ok: true as const, repaired };
      } catch (error) {
        if (signal?.aborted) return { ok: false as const, aborted: true, error };
        return { ok: false as const, aborted: false, error, item, dest, urls };
      }
    });
    await this.cache.save();
    if (signal?.aborted || results.some((r) => !r.ok && r.aborted))
      throw abortError(signal as AbortSignal, 'repair');
    for (const result of results) {
      if (result.ok) fixed.push(result.repaired);
      else if (!result.aborted && result.item) {
        failed.push(
          this.failure(
            result.item.model,
            result.item.file,
            result.item.status,
            result.dest,
            result.urls,
            result.error,
          ),
        );
      }
    }

    const after = await this.verify({
      models: before.models.map((m) => m.id),
      ...(signal ? { signal } : {}),
    });
    // Anything still wrong that repair believed fixed (or never saw) is reported as failed too.
    for (const modelReport of after.models) {
      const model = this.manifest.models.find((m) => m.id === modelReport.id) as ManifestModel;
      for (const fileReport of modelReport.files) {
        if (fileReport.status === 'ok') continue;
        if (failed.some((f) => f.model === model.id && f.path === fileReport.path)) continue;
        const index = fixed.findIndex((f) => f.model === model.id && f.path === fileReport.path);
        if (index >= 0) fixed.splice(index, 1);
        const file = model.files.find((f) => f.path === fileReport.path) as ManifestFile;
        const error = new ReliabilityError(
          `${model.id}/${file.path} is still ${fileReport.status} after repair${fileReport.note ? ` (${fileReport.note})` : ''}`,
          'ERR_REPAIR_INCOMPLETE',
          fileReport.status === 'corrupt' ? 'corruption' : 'system',
        );
        failed.push(
          this.failure(
            model,
            file,
            fileReport.status,
            modelFilePath(this.root, model.id, file.path),
            fileUrls(model, file.path),
            error,
          ),
        );
      }
    }
    return { ok: after.ok, fixed, failed, report: after };
  }

  private failure(
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
    this.announce('integrity:repair-failed', {
      model: model.id,
      path: file.path,
      category: classification.category,
      message,
      manualSteps,
    });
    return failure;
  }

  /** Renames a misplaced copy into place after checking it is still the right content. */
  private async moveBack(
    model: ManifestModel,
    file: ManifestFile,
    foundAt: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const from = modelFilePath(this.root, model.id, foundAt);
    const dest = modelFilePath(this.root, model.id, file.path);
    const fromKey = `${model.id}/${foundAt}`;
    try {
      const info = await stat(from, { bigint: true });
      if (!info.isFile() || Number(info.size) !== file.size) return false;
      let digest = this.cache.get(fromKey, identityOf(info));
      if (digest === undefined) {
        const result = await this.hasher.hash(from, { signal, sizeHint: file.size });
        digest = result.sha256;
      }
      if (digest !== file.sha256) return false;
      await mkdir(path.dirname(dest), { recursive: true });
      await rename(from, dest);
      this.cache.delete(fromKey);
      const moved = await stat(dest, { bigint: true });
      this.cache.set(`${model.id}/${file.path}`, identityOf(moved), file.sha256);
      return true;
    } catch {
      if (signal?.aborted) throw abortError(signal, 'repair');
      return false;
    }
  }

  private select(ids: readonly string[] | undefined): ManifestModel[] {
    if (ids === undefined) return [...this.manifest.models];
    if (!Array.isArray(ids)) throw new ConfigurationError('verify models', 'an array of model ids', ids);
    return ids.map((id) => {
      const model = this.manifest.models.find((m) => m.id === id);
      if (!model) {
        throw new ConfigurationError(
          'verify models',
          `ids from the manifest (${this.manifest.models.map((m) => m.id).join(', ')})`,
          id,
        );
      }
      return model;
    });
  }

  private async hashTracked(
    model: string,
    relative: string,
    absolute: string,
    size: number,
    counters: Counters,
    signal: AbortSignal | undefined,
    progress: ((phase: VerifyProgress['phase'], model: string, file?: string) => void) | undefined,
  ): Promise<HashResult> {
    const started = performance.now();
    let seen = 0;
    const result = await this.hasher.hash(absolute, {
      signal,
      sizeHint: size,
      onProgress: (bytes) => {
        counters.bytesHashed += bytes - seen;
        seen = bytes;
        progress?.('hash', model, relative);
      },
    });
    counters.bytesHashed += result.bytes - seen;
    counters.hashedFiles++;
    if (result.stable) this.cache.set(`${model}/${relative}`, result.identity, result.sha256);
    this.announce('integrity:hash', {
      model,
      path: relative,
      bytes: result.bytes,
      durationMs: performance.now() - started,
    });
    return result;
  }

  private async inspect(
    model: ManifestModel,
    file: ManifestFile,
    deep: boolean,
    counters: Counters,
    signal: AbortSignal | undefined,
    progress: ((phase: VerifyProgress['phase'], model: string, file?: string) => void) | undefined,
  ): Promise<Inspection> {
    const absolute = modelFilePath(this.root, model.id, file.path);
    let identity: FileIdentity;
    try {
      const info = await stat(absolute, { bigint: true });
      if (!info.isFile()) {
        return {
          file,
          kind: 'absent',
          ok: false,
          blocked: true,
          note: 'something other than a regular file (a folder?) occupies this path',
        };
      }
      identity = identityOf(info);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return { file, kind: 'absent', ok: false };
      const code = (error as { code?: string }).code ?? 'unknown error';
      return { file, kind: 'absent', ok: false, note: `cannot be examined (${code})` };
    }
    if (identity.size !== file.size) {
      return { file, kind: 'present', ok: false, actual: { size: identity.size } };
    }
    const key = `${model.id}/${file.path}`;
    if (!deep) {
      const cached = this.cache.get(key, identity);
      if (cached !== undefined) {
        counters.cachedFiles++;
        return {
          file,
          kind: 'present',
          ok: cached === file.sha256,
          cached: true,
          actual: { size: identity.size, sha256: cached },
        };
      }
    }
    if (signal?.aborted) throw abortError(signal, 'verify');
    try {
      const result = await this.hashTracked(
        model.id,
        file.path,
        absolute,
        file.size,
        counters,
        signal,
        progress,
      );
      if (result.bytes !== file.size) {
        return {
          file,
          kind: 'present',
          ok: false,
          actual: { size: result.bytes },
          note: 'the file changed while it was read',
        };
      }
      return {
        file,
        kind: 'present',
        ok: result.sha256 === file.sha256,
        actual: { size: result.bytes, sha256: result.sha256 },
      };
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, 'verify');
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return { file, kind: 'absent', ok: false };
      const code = (error as { code?: string }).code ?? (error as Error).message;
      return {
        file,
        kind: 'present',
        ok: false,
        actual: { size: identity.size },
        note: `could not be read (${code})`,
      };
    }
  }

  private async verifyModel(
    model: ManifestModel,
    deep: boolean,
    counters: Counters,
    signal: AbortSignal | undefined,
    progress: ((phase: VerifyProgress['phase'], model: string, file?: string) => void) | undefined,
  ): Promise<ModelReport> {
    const inspections = await mapLimit(model.files, 32, async (file) => {
      const inspection = await this.inspect(model, file, deep, counters, signal, progress);
      counters.filesChecked++;
      progress?.('stat', model.id, file.path);
      return inspection;
    });
    const needing = inspections.filter((i) => !i.ok);
    const foundAt = new Map<Inspection, string>();
    if (needing.length > 0)
      await this.searchMisplaced(model, needing, foundAt, deep, counters, signal, progress);

    const files: FileReport[] = [];
    let bytesToDownload = 0;
    for (const inspection of inspections) {
      const { file } = inspection;
      const expected = { size: file.size, sha256: file.sha256 };
      let report: FileReport;
      if (inspection.ok) {
        report = {
          path: file.path,
          status: 'ok',
          expected,
          ...(inspection.actual ? { actual: inspection.actual } : {}),
        };
      } else if (foundAt.has(inspection)) {
        report = {
          path: file.path,
          status: 'misplaced',
          expected,
          ...(inspection.actual ? { actual: inspection.actual } : {}),
          foundAt: foundAt.get(inspection) as string,
          ...(inspection.note ? { note: inspection.note } : {}),
        };
      } else {
        const dest = modelFilePath(this.root, model.id, file.path);
        let partial = 0;
        try {
          partial = Math.min(file.size, (await this.partialBytesOf(dest)) ?? 0);
        } catch {
          partial = 0;
        }
        const status: FileStatus =
          inspection.kind === 'absent'
            ? partial > 0
              ? 'partial'
              : 'missing'
            : inspection.actual?.sha256 !== undefined && inspection.actual.size === file.size
              ? 'corrupt'
              : inspection.actual?.size !== file.size
                ? 'size_mismatch'
                : 'corrupt';
        bytesToDownload += file.size - partial;
        report = {
          path: file.path,
          status,
          expected,
          ...(inspection.actual ? { actual: inspection.actual } : {}),
          ...(partial > 0 ? { partialBytes: partial } : {}),
          ...(inspection.note ? { note: inspection.note } : {}),
        };
      }
      files.push(report);
      this.announce('integrity:file', {
        model: model.id,
        path: file.path,
        status: report.status,
        cached: inspection.cached === true,
      });
    }
    return { id: model.id, ok: files.every((f) => f.status === 'ok'), files, bytesToDownload };
  }

  /**
   * Looks through the model folder (not `.wan-reliability`) for files of a needed size that are not
   * at a manifest path, hashes only those, and assigns each matching copy to one file that needs it.
   */
  private async searchMisplaced(
    model: ManifestModel,
    needing: Inspection[],
    foundAt: Map<Inspection, string>,
    deep: boolean,
    counters: Counters,
    signal: AbortSignal | undefined,
    progress: ((phase: VerifyProgress['phase'], model: string, file?: string) => void) | undefined,
  ): Promise<void> {
    const sizes = new Set(needing.filter((i) => !i.blocked).map((i) => i.file.size));
    if (sizes.size === 0) return;
    const manifestPaths = new Set(model.files.map((f) => f.path));
    const candidates: string[] = [];
    await walk(modelDir(this.root, model.id), '', candidates);
    candidates.sort();
    progress?.('search', model.id);
    for (const relative of candidates) {
      if (manifestPaths.has(relative)) continue;
      const open = needing.filter((i) => !i.blocked && !foundAt.has(i));
      if (open.length === 0) return;
      if (signal?.aborted) throw abortError(signal, 'verify');
      const absolute = modelFilePath(this.root, model.id, relative);
      let info: FileIdentity;
      try {
        info = identityOf(await stat(absolute, { bigint: true }));
      } catch {
        continue;
      }
      if (!open.some((i) => i.file.size === info.size)) continue;
      let digest = deep ? undefined : this.cache.get(`${model.id}/${relative}`, info);
      if (digest === undefined) {
        try {
          digest = (
            await this.hashTracked(model.id, relative, absolute, info.size, counters, signal, progress)
          ).sha256;
        } catch {
          if (signal?.aborted) throw abortError(signal, 'verify');
          continue;
        }
      }
      const match = open.find((i) => i.file.size === info.size && i.file.sha256 === digest);
      if (match) foundAt.set(match, relative);
    }
  }
}

async function walk(dir: string, relative: string, out: string[]): Promise<void> {
  if (out.length >= SEARCH_LIMIT) return;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === WORK_DIR) continue;
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) await walk(path.join(dir, entry.name), child, out);
    else if (entry.isFile()) {
      out.push(child);
      if (out.length >= SEARCH_LIMIT) return;
    }
  }
}

async function unlinkFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
}

/** Maps `items` with at most `limit` calls in flight; results keep the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
