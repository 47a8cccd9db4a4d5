import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from '@wan/reliability';
import { redact } from '@wan/reliability/diagnostics';
import { parseManifest } from '@wan/reliability/integrity';
import { EXIT, UsageError } from '../exit.js';
import { hubOrigin } from '../hub.js';
import type { Session } from '../session.js';
import { envToken, readSavedToken } from '../token.js';

/** One model of a manifest template: a Hub repo, a revision (branch or commit) and file names. */
interface TemplateModel {
  id: string;
  repo: string;
  revision?: string;
  mirrors: string[];
  /** File paths to pin; omitted → every file of the repo. */
  files?: string[];
  required?: boolean;
  priority?: number;
  alternatives?: string[];
  displayName?: string;
  description?: string;
}

/** An entry of the Hub tree API (`/api/models/{repo}/tree/{revision}?recursive=true`). */
interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size?: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}

const COMMIT = /^[0-9a-f]{40}$/;

async function get(url: string, signal: AbortSignal): Promise<Response> {
  // As huggingface_hub: HF_TOKEN, else the token file `huggingface-cli login` (or --save-token)
  // wrote; and only to the Hub (HF_ENDPOINT or huggingface.co): not to another --endpoint, nor to a
  // pagination link that points elsewhere.
  const token = new URL(url).origin === hubOrigin() ? (envToken() ?? (await readSavedToken())) : undefined;
  const response = await fetch(url, {
    signal,
    headers: token
      ? { authorization: `Bearer ${token}`, accept: 'application/json' }
      : { accept: 'application/json' },
  });
  if (!response.ok)
    throw new HttpError(response.status, `GET ${redact(url)}: HTTP ${response.status}`, { url: redact(url) });
  return response;
}

/** Every tree entry, following the Hub's `Link: <…>; rel="next"` pagination. */
async function tree(
  endpoint: string,
  repo: string,
  revision: string,
  signal: AbortSignal,
): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  let url: string | undefined =
    `${endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
  while (url) {
    const response = await get(url, signal);
    entries.push(...((await response.json()) as TreeEntry[]));
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return entries;
}

/**
 * Fills sizes and sha256 into a template from the Hub API, pinned to a commit: LFS files take
 * `lfs.size` and `lfs.oid` (the sha256); small non-LFS files are downloaded and hashed. The output
 * is validated as a manifest before it is written.
 */
export async function pin(
  session: Session,
  flags: { template: string; output?: string; endpoint?: string },
  signal: AbortSignal,
): Promise<number> {
  const text = await readFile(path.resolve(flags.template), 'utf8').catch((error: Error) => {
    throw new UsageError(`Cannot read the template ${flags.template}: ${error.message}`);
  });
  let template: { models?: TemplateModel[]; endpoint?: string; description?: string };
  try {
    template = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The template ${flags.template} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(template.models) || template.models.length === 0) {
    throw new UsageError(`The template ${flags.template} lists no models`);
  }
  const endpoint = (flags.endpoint ?? template.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
  const models = [];
  for (const model of template.models) {
    const wanted = model.revision ?? 'main';
    const sha = COMMIT.test(wanted)
      ? wanted
      : (
          (await (
            await get(`${endpoint}/api/models/${model.repo}/revision/${encodeURIComponent(wanted)}`, signal)
          ).json()) as { sha: string }
        ).sha;
    const entries = (await tree(endpoint, model.repo, sha, signal)).filter((e) => e.type === 'file');
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const paths = model.files ?? entries.map((e) => e.path).filter((p) => p !== '.gitattributes');
    const unknown = paths.filter((p) => !byPath.has(p));
    if (unknown.length > 0) {
      throw new UsageError(
        `${model.repo}@${sha.slice(0, 12)} has no ${unknown.join(', ')}; it has ${entries.map((e) => e.path).join(', ')}`,
      );
    }
    const files = [];
    for (const p of paths) {
      const entry = byPath.get(p) as TreeEntry;
      if (entry.lfs) {
        files.push({ path: p, size: entry.lfs.size, sha256: entry.lfs.oid });
      } else {
        const url = `${endpoint}/${model.repo}/resolve/${sha}/${p.split('/').map(encodeURIComponent).join('/')}`;
        const body = Buffer.from(await (await get(url, signal)).arrayBuffer());
        files.push({ path: p, size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      }
      session.out.info(`pinned ${model.id}/${p}`);
    }
    const { repo: _repo, files: _files, ...rest } = model;
    models.push({ ...rest, revision: sha, files });
  }
  const manifest = {
    schemaVersion: 1,
    ...(template.description ? { description: template.description } : {}),
    models,
  };
  parseManifest(manifest, { source: 'pinned template' });
  const json = `${JSON.stringify(manifest, null, 2)}\n`;
  if (flags.output) await writeFile(path.resolve(flags.output), json);
  else if (!session.out.json) process.stdout.write(json);
  const count = models.reduce((sum, m) => sum + m.files.length, 0);
  session.out.info(
    `Pinned ${count} files of ${models.length} model(s)${flags.output ? ` to ${flags.output}` : ''}.`,
  );
  session.out.result({ ok: true, exitCode: EXIT.ok, output: flags.output ?? null, files: count, manifest });
  return EXIT.ok;
}
