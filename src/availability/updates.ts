import { redact } from '../context/redact.js';
import type { Manifest, ManifestModel } from '../integrity/manifest.js';
import { abortError } from '../policy/abort.js';
import type { ModelUpdate, UpdateFile, UpdateReport } from './types.js';

/** Where and how to ask for remote revisions (Hugging Face Hub model API). */
export interface UpdateSource {
  /** Hub base URL. Default `https://huggingface.co`. */
  readonly baseUrl: string;
  /** Branch (or tag) whose head is compared with the installed revision. Default `main`. */
  readonly branch: string;
  /** Hub repository of a model; default: parsed from a mirror `<baseUrl>/<org>/<name>/resolve/…`. */
  readonly repoOf: (model: ManifestModel) => string | undefined;
  /** Token for gated or private repositories, sent only to `baseUrl`. */
  readonly token: (() => string | undefined | PromiseLike<string | undefined>) | undefined;
  /** Per-request time limit, ms. */
  readonly timeout: number;
}

interface HubSibling {
  rfilename?: unknown;
  size?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

/** The repository a mirror like `https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/{revision}/` points at. */
export function repoFromMirrors(model: ManifestModel, baseUrl: string): string | undefined {
  const origin = new URL(baseUrl).origin;
  for (const mirror of model.mirrors) {
    const match = /^(https?:\/\/[^/]+)\/([^/]+\/[^/]+)\/resolve\//.exec(mirror);
    if (match && match[1] === origin) return decodeURIComponent(match[2] as string);
  }
  return undefined;
}

function failed(model: ManifestModel, source: 'hub' | 'manifest', error: string): ModelUpdate {
  return {
    id: model.id,
    installedRevision: model.revision,
    updateAvailable: undefined,
    files: [],
    downloadBytes: 0,
    unverified: [],
    source,
    error,
  };
}

function summary(
  model: ManifestModel,
  remoteRevision: string,
  files: UpdateFile[],
  unverified: string[],
  source: 'hub' | 'manifest',
): ModelUpdate {
  // A moved revision whose files are all identical (a README edit) needs no download: no update.
  const updateAvailable = files.length > 0 || (remoteRevision !== model.revision && unverified.length > 0);
  return {
    id: model.id,
    installedRevision: model.revision,
    remoteRevision,
    updateAvailable,
    files: updateAvailable ? files : [],
    downloadBytes: updateAvailable
      ? files.reduce((sum, f) => sum + (f.change === 'removed' ? 0 : (f.size ?? 0)), 0)
      : 0,
    unverified: updateAvailable ? unverified : [],
    source,
  };
}

/**
 * Asks the Hub for the head of `branch` (`GET /api/models/{repo}/revision/{branch}?blobs=true`) and
 * compares it with the installed revision; when it moved, lists the files whose sha256 (LFS) or
 * size differ, new files, and files gone. A file without a published sha256 and with an unchanged
 * size cannot be compared: it is listed in `unverified`, not guessed.
 */
export async function checkHub(
  model: ManifestModel,
  source: UpdateSource,
  signal?: AbortSignal,
): Promise<ModelUpdate> {
  const repo = source.repoOf(model);
  if (repo === undefined) {
    return failed(
      model,
      'hub',
      `no Hub repository is known for ${model.id}: give updates.repoOf, or a mirror under ${source.baseUrl}`,
    );
  }
  const url = `${source.baseUrl.replace(/\/$/, '')}/api/models/${repo.split('/').map(encodeURIComponent).join('/')}/revision/${encodeURIComponent(source.branch)}?blobs=true`;
  const timeout = AbortSignal.timeout(source.timeout);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let body: { sha?: unknown; siblings?: unknown };
  try {
    const token = await source.token?.();
    const response = await fetch(url, {
      signal: combined,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      redirect: 'error',
    });
    if (!response.ok) {
      await response.body?.cancel();
      return failed(model, 'hub', `${redact(url)} answered ${response.status}`);
    }
    body = (await response.json()) as typeof body;
  } catch (error) {
    // The caller's own abort propagates; a timeout or network failure is this model's result.
    if (signal?.aborted) throw error;
    return failed(
      model,
      'hub',
      redact(`could not read ${url}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
  if (typeof body.sha !== 'string' || body.sha === '')
    return failed(model, 'hub', `${redact(url)} gave no revision sha`);
  if (body.sha === model.revision) return summary(model, body.sha, [], [], 'hub');
  const files: UpdateFile[] = [];
  const unverified: string[] = [];
  const installed = new Map(model.files.map((f) => [f.path, f]));
  const remotePaths = new Set<string>();
  for (const sibling of Array.isArray(body.siblings) ? (body.siblings as HubSibling[]) : []) {
    if (typeof sibling.rfilename !== 'string') continue;
    const filePath = sibling.rfilename;
    remotePaths.add(filePath);
    const size =
      typeof sibling.lfs?.size === 'number'
        ? sibling.lfs.size
        : typeof sibling.size === 'number'
          ? sibling.size
          : undefined;
    const sha256 = typeof sibling.lfs?.sha256 === 'string' ? sibling.lfs.sha256.toLowerCase() : undefined;
    const mine = installed.get(filePath);
    if (!mine) files.push({ path: filePath, size, change: 'added' });
    else if (sha256 !== undefined ? sha256 !== mine.sha256 : size !== undefined && size !== mine.size) {
      files.push({ path: filePath, size, change: 'changed' });
    } else if (sha256 === undefined) unverified.push(filePath);
  }
  for (const file of model.files) {
    if (!remotePaths.has(file.path)) files.push({ path: file.path, size: file.size, change: 'removed' });
  }
  return summary(model, body.sha, files, unverified, 'hub');
}

/** Compares a model with its entry in a newer manifest: revision, then files by sha256 and size. */
export function compareManifest(model: ManifestModel, newer: Manifest): ModelUpdate {
  const next = newer.models.find((m) => m.id === model.id);
  if (!next) return failed(model, 'manifest', `the newer manifest does not list ${model.id}`);
  const before = new Map(model.files.map((f) => [f.path, f]));
  const files: UpdateFile[] = [];
  for (const file of next.files) {
    const old = before.get(file.path);
    if (!old) files.push({ path: file.path, size: file.size, change: 'added' });
    else if (old.sha256 !== file.sha256 || old.size !== file.size) {
      files.push({ path: file.path, size: file.size, change: 'changed' });
    }
    before.delete(file.path);
  }
  for (const gone of before.values()) files.push({ path: gone.path, size: gone.size, change: 'removed' });
  return summary(model, next.revision, files, [], 'manifest');
}

/** Checks every model against the newer manifest when given, else against the Hub (concurrently). */
export async function checkUpdates(
  models: readonly ManifestModel[],
  how: {
    source: UpdateSource;
    newer: Manifest | undefined;
    signal: AbortSignal | undefined;
    now: () => number;
  },
): Promise<UpdateReport> {
  const { newer, signal } = how;
  const results = await Promise.all(
    models.map((m) => (newer ? Promise.resolve(compareManifest(m, newer)) : checkHub(m, how.source, signal))),
  );
  if (signal?.aborted) throw abortError(signal, 'checkForUpdates');
  return {
    checkedAt: new Date(how.now()).toISOString(),
    models: results,
    updatesAvailable: results.some((r) => r.updateAvailable === true),
  };
}
