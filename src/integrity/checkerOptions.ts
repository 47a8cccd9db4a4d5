import path from 'node:path';
import { findPartial } from '../downloads/partialPath.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { CheckerContext } from './checkerContext.js';
import { defaultHashPool, type Hasher } from './hashPool.js';
import { type Manifest, parseManifest } from './manifest.js';
import { workDir } from './paths.js';
import { STAT_CACHE_FILE, StatCache } from './statCache.js';
import type { FileFetcher } from './types.js';

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

/** Validates `options` (throwing {@link ConfigurationError}) and resolves the checker's working state. */
export function createCheckerContext(
  options: ModelIntegrityCheckerOptions,
  announce: CheckerContext['announce'],
): CheckerContext {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
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
  if (options.partialBytes !== undefined && typeof options.partialBytes !== 'function') {
    throw new ConfigurationError(
      'ModelIntegrityChecker.partialBytes',
      'a function (dest) => Promise<number | undefined>',
      options.partialBytes,
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
  const root = path.resolve(options.root);
  const manifest = parseManifest(options.manifest);
  const cacheFile =
    cacheOption === true
      ? path.join(workDir(root), STAT_CACHE_FILE)
      : cacheOption === false
        ? undefined
        : path.resolve(cacheOption);
  // The Downloader keeps partials under `<root>/.wan-reliability/partial/`, or under its `tempDir`.
  const tempDir = (options.downloader as { tempDir?: unknown } | undefined)?.tempDir;
  const location = { root, tempDir: typeof tempDir === 'string' ? tempDir : undefined };
  return {
    root,
    manifest,
    downloader: options.downloader,
    hasher: options.hasher ?? defaultHashPool(),
    // The default cache lives under the root: never read or written through a link out of it.
    cache: new StatCache(cacheFile, cacheOption === true ? root : undefined),
    partialBytesOf: options.partialBytes ?? (async (dest) => (await findPartial(dest, location))?.bytes),
    announce,
  };
}
