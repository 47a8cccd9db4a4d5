import { classifyError } from '../errors/classify.js';
import type { Manifest, ManifestModel } from '../integrity/manifest.js';
import { abortError } from '../shared/abort.js';
import { redact } from '../shared/redaction/redact.js';
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

type JsonResult = { ok: true; body: unknown } | { ok: false; error: string };

/** GET a JSON document from the Hub with the token (to `baseUrl` only), a time limit and no redirects. */
async function getJson(
  url: string,
  source: UpdateSource,
  signal: AbortSignal | undefined,
): Promise<JsonResult> {
  const timeout = AbortSignal.timeout(source.timeout);
  try {
    const token = await source.token?.();
    const response = await fetch(url, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      redirect: 'error',
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `${redact(url)} answered ${response.status}` };
    }
    return { ok: true, body: await response.json() };
  } catch (error) {
    // The caller's own abort propagates; a timeout or network failure is this model's result.
    if (signal?.aborted) throw error;
    // fetch() reports every network failure as "fetch failed"; the cause says which one.
    const { category, code } = classifyError(error);
    const detail = code ? `${category}, ${code}` : category;
    return {
      ok: false,
      error: redact(
        `could not read ${url}: ${error instanceof Error ? error.message : String(error)} (${detail})`,
      ),
    };
  }
}

interface TreeEntry {
  type?: unknown;
  path?: unknown;
  size?: unknown;
  lfs?: { oid?: unknown; size?: unknown } | null;
}

/**
 * Asks the Hub for the head of `branch` (`GET /api/models/{repo}/revision/{branch}` → `sha`) and
 * compares it with the installed revision. When it moved, reads the file tree of the new revision
 * (`GET /api/models/{repo}/tree/{sha}?recursive=true`: LFS files carry their sha256 and size) and
 * lists the manifest's files whose sha256 (or, for small non-LFS files, size) changed and those
 * gone: exactly what an update would download. Files the repository has but the manifest does not
 * track are not downloaded by an update and are not listed. A non-LFS file with an unchanged size
 * cannot be compared: it goes to `unverified`, it is not guessed.
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
  const api = `${source.baseUrl.replace(/\/$/, '')}/api/models/${repo.split('/').map(encodeURIComponent).join('/')}`;
  const head = await getJson(`${api}/revision/${encodeURIComponent(source.branch)}`, source, signal);
  if (!head.ok) return failed(model, 'hub', head.error);
  const sha = (head.body as { sha?: unknown } | null)?.sha;
  if (typeof sha !== 'string' || sha === '')
    return failed(model, 'hub', `${redact(api)} gave no revision sha`);
  if (sha === model.revision) return summary(model, sha, [], [], 'hub');
  const tree = await getJson(`${api}/tree/${encodeURIComponent(sha)}?recursive=true`, source, signal);
  if (!tree.ok) return failed(model, 'hub', tree.error);
  if (!Array.isArray(tree.body)) return failed(model, 'hub', `${redact(api)} gave no file tree for ${sha}`);
  const remote = new Map<string, { size: number | undefined; sha256: string | undefined }>();
  for (const entry of tree.body as TreeEntry[]) {
    if (entry.type !== 'file' || typeof entry.path !== 'string') continue;
    const size =
      typeof entry.lfs?.size === 'number'
        ? entry.lfs.size
        : typeof entry.size === 'number'
          ? entry.size
          : undefined;
    const sha256 = typeof entry.lfs?.oid === 'string' ? entry.lfs.oid.toLowerCase() : undefined;
    remote.set(entry.path, { size, sha256 });
  }
  const files: UpdateFile[] = [];
  const unverified: string[] = [];
  for (const mine of model.files) {
    const theirs = remote.get(mine.path);
    if (!theirs) files.push({ path: mine.path, size: mine.size, change: 'removed' });
    else if (theirs.sha256 !== undefined ? theirs.sha256 !== mine.sha256 : theirs.size !== mine.size) {
      files.push({ path: mine.path, size: theirs.size, change: 'changed' });
    } else if (theirs.sha256 === undefined) unverified.push(mine.path);
  }
  return summary(model, sha, files, unverified, 'hub');
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
