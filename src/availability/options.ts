import path from 'node:path';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { type Manifest, type ManifestModel, parseManifest } from '../integrity/manifest.js';
import { workDir } from '../integrity/paths.js';
import type { FileFetcher } from '../integrity/types.js';
import { optionalDuration, optionalFunction, optionalObject } from '../shared/validate.js';
import type { AvailabilityChecker, ModelState, UsageStore } from './types.js';
import { repoFromMirrors, type UpdateSource } from './updates.js';
import { JsonFileUsageStore, MemoryUsageStore, USAGE_FILE } from './usage.js';

/** Defaults of {@link ModelAvailabilityOptions}. */
export const AVAILABILITY_DEFAULTS = Object.freeze({
  /** Hub base URL asked for remote revisions. */
  hubBaseUrl: 'https://huggingface.co',
  /** Branch (or tag) whose head is compared with the installed revision. */
  branch: 'main',
  /** Per-request limit of an update check, ms. */
  updateTimeout: 15_000,
});

/** Options of {@link ModelAvailability}. */
export interface ModelAvailabilityOptions {
  /** Install root: model files live at `<root>/<model id>/<path>`. */
  root: string;
  /** The manifest (validated again here). */
  manifest: Manifest;
  /** Fetches files (the package's Downloader); default: a Downloader created on first need. */
  downloader?: FileFetcher | undefined;
  /** Verifies and repairs; default a ModelIntegrityChecker over root, manifest and downloader. */
  checker?: AvailabilityChecker | undefined;
  /**
   * Where use counts are kept: a JSON file path, a {@link UsageStore}, or `false` for memory only.
   * Default `<root>/.wan-reliability/usage.json`.
   */
  usageStore?: string | UsageStore | false | undefined;
  /** How checkForUpdates reaches the Hub model API. */
  updates?: Partial<UpdateSource> | undefined;
  /**
   * Installer-specific steps to get a model (e.g. the CLI command), used in statuses and errors
   * instead of the generic ones.
   */
  setupSteps?: ((model: ManifestModel, state: ModelState) => readonly string[]) | undefined;
  /** Clock in ms for progress rates; default `Date.now`. */
  now?: (() => number) | undefined;
}

/** Options after validation. */
export interface ResolvedAvailabilityOptions {
  /** Install root, made absolute. */
  readonly root: string;
  /** The validated manifest. */
  readonly manifest: Manifest;
  /** The given fetcher; undefined = a Downloader created on first need. */
  readonly downloader: FileFetcher | undefined;
  /** The given checker; undefined = a ModelIntegrityChecker over root, manifest and downloader. */
  readonly checker: AvailabilityChecker | undefined;
  /** Where use counts are kept (a JSON file by default, memory for `usageStore: false`). */
  readonly usageStore: UsageStore;
  /** How checkForUpdates reaches the Hub, defaults filled in. */
  readonly updates: UpdateSource;
  /** Installer-specific setup steps, when given. */
  readonly setupSteps: ((model: ManifestModel, state: ModelState) => readonly string[]) | undefined;
  /** Clock in ms. */
  readonly now: () => number;
}

/** Validates strictly (ConfigurationError naming the option) and applies defaults. */
export function resolveAvailabilityOptions(options: ModelAvailabilityOptions): ResolvedAvailabilityOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('ModelAvailability options', 'an object with root and manifest', options);
  }
  if (typeof options.root !== 'string' || options.root === '') {
    throw new ConfigurationError('ModelAvailability.root', 'a folder path', options.root);
  }
  const root = path.resolve(options.root);
  const downloader = optionalObject<FileFetcher>('ModelAvailability.downloader', options.downloader);
  if (downloader !== undefined && typeof downloader.download !== 'function') {
    throw new ConfigurationError(
      'ModelAvailability.downloader',
      'an object with download() (a Downloader)',
      downloader,
    );
  }
  const checker = optionalObject<AvailabilityChecker>('ModelAvailability.checker', options.checker);
  if (
    checker !== undefined &&
    (typeof checker.verify !== 'function' || typeof checker.repair !== 'function')
  ) {
    throw new ConfigurationError(
      'ModelAvailability.checker',
      'an object with verify() and repair() (a ModelIntegrityChecker)',
      checker,
    );
  }
  const store = options.usageStore;
  let usageStore: UsageStore;
  if (store === undefined) usageStore = new JsonFileUsageStore(path.join(workDir(root), USAGE_FILE));
  else if (store === false) usageStore = new MemoryUsageStore();
  else if (typeof store === 'string' && store !== '')
    usageStore = new JsonFileUsageStore(path.resolve(store));
  else if (
    typeof store === 'object' &&
    store !== null &&
    typeof store.load === 'function' &&
    typeof store.save === 'function'
  ) {
    usageStore = store;
  } else {
    throw new ConfigurationError(
      'ModelAvailability.usageStore',
      'a file path, an object with load() and save(), or false',
      store,
    );
  }
  const updates = optionalObject<Partial<UpdateSource>>('ModelAvailability.updates', options.updates) ?? {};
  const baseUrl = updates.baseUrl ?? AVAILABILITY_DEFAULTS.hubBaseUrl;
  let parsed: URL | undefined;
  try {
    parsed = new URL(baseUrl);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    parsed.username ||
    parsed.password
  ) {
    throw new ConfigurationError(
      'ModelAvailability.updates.baseUrl',
      'an http(s) URL without credentials',
      baseUrl,
    );
  }
  if (updates.branch !== undefined && (typeof updates.branch !== 'string' || updates.branch === '')) {
    throw new ConfigurationError('ModelAvailability.updates.branch', 'a branch or tag name', updates.branch);
  }
  const repoOf = optionalFunction<UpdateSource['repoOf']>('ModelAvailability.updates.repoOf', updates.repoOf);
  return {
    root,
    manifest: parseManifest(options.manifest),
    downloader,
    checker,
    usageStore,
    updates: {
      baseUrl,
      branch: updates.branch ?? AVAILABILITY_DEFAULTS.branch,
      repoOf: repoOf ?? ((model) => repoFromMirrors(model, baseUrl)),
      token: optionalFunction('ModelAvailability.updates.token', updates.token),
      timeout:
        optionalDuration('ModelAvailability.updates.timeout', updates.timeout) ??
        AVAILABILITY_DEFAULTS.updateTimeout,
    },
    setupSteps: optionalFunction('ModelAvailability.setupSteps', options.setupSteps),
    now: optionalFunction<() => number>('ModelAvailability.now', options.now) ?? Date.now,
  };
}
