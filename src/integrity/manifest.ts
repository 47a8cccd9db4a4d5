import { readFile, stat } from 'node:fs/promises';
import type { z as Z } from 'zod';
import { ManifestError, type ManifestProblem } from '../errors/ManifestError.js';
import { lazyRequire } from '../shared/lazyRequire.js';
import { crossProblems, jsonPath } from './manifestCross.js';
import { fileUrl, modelIdProblems, pathProblems } from './paths.js';

/** The manifest format version this package reads. */
export const MANIFEST_SCHEMA_VERSION = 1;

/** Largest manifest file {@link loadManifest} reads (a manifest of 100 000 files is ~15 MB). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** One file of a model, as validated. */
export interface ManifestFile {
  /** Relative, normalized path inside the model folder, `/`-separated. */
  readonly path: string;
  /** Exact size in bytes. */
  readonly size: number;
  /** SHA-256 of the content, 64 lower-case hex digits. */
  readonly sha256: string;
}

/** One model of a manifest, as validated. */
export interface ManifestModel {
  /** Model id; also the folder name under the install root. */
  readonly id: string;
  /** The pinned revision (commit) substituted for `{revision}` in mirrors. */
  readonly revision: string;
  /** Mirror base URLs in preference order, each ending with `/`. */
  readonly mirrors: readonly string[];
  /** The model's files. */
  readonly files: readonly ManifestFile[];
  /** Ids of models that can stand in for this one (all exist in the manifest). */
  readonly alternatives: readonly string[];
  /** Whether an install needs this model (default true). */
  readonly required: boolean;
  /** Download order between models: higher first (default 0). */
  readonly priority: number;
  /** Optional human-readable name. */
  readonly displayName?: string;
  /** Optional description. */
  readonly description?: string;
}

/** A validated model manifest. */
export interface Manifest {
  /** Manifest format version ({@link MANIFEST_SCHEMA_VERSION}). */
  readonly schemaVersion: 1;
  /** The models, at least one, ids unique. */
  readonly models: readonly ManifestModel[];
}

const SHA256 = /^[0-9a-fA-F]{64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function addAll(ctx: Z.RefinementCtx, problems: readonly string[]): void {
  for (const message of problems) ctx.addIssue({ code: 'custom', message });
}

/**
 * Builds the zod schema. zod is loaded here, when the first manifest is parsed, not when the package
 * is imported: evaluating zod took ~55 ms of a cold import (see lazyRequire, docs/benchmarks.md).
 */
function buildSchema(z: typeof Z) {
  const fileSchema = z.strictObject({
    path: z.string().superRefine((value, ctx) => addAll(ctx, pathProblems(value))),
    size: z
      .number()
      .int('must be a whole number of bytes')
      .min(0, 'must not be negative')
      .max(Number.MAX_SAFE_INTEGER, 'must be at most Number.MAX_SAFE_INTEGER'),
    sha256: z
      .string()
      .regex(SHA256, 'must be a SHA-256 digest: exactly 64 hexadecimal digits')
      .transform((value) => value.toLowerCase()),
  });

  const mirrorSchema = z.string().transform((value, ctx) => {
    const problems = mirrorProblems(value);
    if (problems.length > 0) {
      addAll(ctx, problems);
      return z.NEVER;
    }
    return value.endsWith('/') ? value : `${value}/`;
  });

  const modelSchema = z.strictObject({
    id: z.string().superRefine((value, ctx) => addAll(ctx, modelIdProblems(value))),
    revision: z
      .string()
      .min(1, 'must not be empty')
      .max(256, 'must be at most 256 characters long')
      .refine((value) => !CONTROL.test(value), 'must not contain control characters'),
    mirrors: z.array(mirrorSchema).min(1, 'must list at least one mirror'),
    files: z.array(fileSchema),
    alternatives: z.array(z.string()).optional(),
    required: z.boolean().optional(),
    priority: z.number().int('must be an integer').min(-1_000_000).max(1_000_000).optional(),
    displayName: z.string().max(256).optional(),
    description: z.string().max(4096).optional(),
  });

  return z.strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION, {
      error: (issue) =>
        typeof issue.input === 'number' && issue.input > MANIFEST_SCHEMA_VERSION
          ? `schema version ${issue.input} is newer than this package reads (${MANIFEST_SCHEMA_VERSION}): update @wan/reliability`
          : `must be ${MANIFEST_SCHEMA_VERSION}`,
    }),
    models: z.array(modelSchema).min(1, 'must list at least one model'),
    description: z.string().max(4096).optional(),
  });
}

type ManifestSchema = ReturnType<typeof buildSchema>;
let schema: ManifestSchema | undefined;

function manifestSchema(): ManifestSchema {
  schema ??= buildSchema(lazyRequire<{ z: typeof Z }>('zod').z);
  return schema;
}

/** Every problem with a mirror base URL (empty when valid). */
export function mirrorProblems(value: string): string[] {
  const problems: string[] = [];
  const placeholders = value.match(/\{[^}]*\}/g) ?? [];
  for (const placeholder of placeholders) {
    if (placeholder !== '{revision}')
      problems.push(`unknown placeholder ${placeholder}: only {revision} is substituted`);
  }
  let url: URL;
  try {
    url = new URL(value.split('{revision}').join('REVISION'));
  } catch {
    return [...problems, 'must be an absolute http(s) URL'];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('must use http or https');
  if (url.username !== '' || url.password !== '') {
    problems.push('must not embed credentials: give the Downloader a token() instead');
  }
  if (url.search !== '' || value.includes('?'))
    problems.push('must not have a query string: it is a base URL');
  if (url.hash !== '' || value.includes('#')) problems.push('must not have a fragment');
  return problems;
}

function issueMessage(issue: Z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown ${issue.keys.length === 1 ? 'property' : 'properties'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    // zod reports `.int()` as a type issue too; its own message ("must be a whole number of bytes")
    // says more than "expected int".
    if (issue.expected === 'int' && typeof issue.input === 'number') return issue.message;
    // `input` is there because of reportInput (see parseManifest): undefined means the key is absent.
    return `expected ${issue.expected}${issue.input === undefined ? ' (missing)' : ''}`;
  }
  return issue.message;
}

type Parsed = Z.output<ManifestSchema>;

function freeze(parsed: Parsed): Manifest {
  const models = parsed.models.map((model) => {
    const out: ManifestModel = {
      id: model.id,
      revision: model.revision,
      mirrors: Object.freeze([...model.mirrors]),
      files: Object.freeze(
        model.files.map((file) => Object.freeze({ path: file.path, size: file.size, sha256: file.sha256 })),
      ),
      alternatives: Object.freeze([...(model.alternatives ?? [])]),
      required: model.required ?? true,
      priority: model.priority ?? 0,
      ...(model.displayName === undefined ? {} : { displayName: model.displayName }),
      ...(model.description === undefined ? {} : { description: model.description }),
    };
    return Object.freeze(out);
  });
  return Object.freeze({ schemaVersion: MANIFEST_SCHEMA_VERSION, models: Object.freeze(models) });
}

/**
 * Validates a manifest: either JSON text or an already parsed value. Returns a frozen
 * {@link Manifest} (sha256 lower-cased, mirrors ending with `/`, defaults filled in) or throws a
 * {@link ManifestError} listing every problem with its JSON path. Never throws anything else.
 */
export function parseManifest(json: unknown, options: { source?: string } = {}): Manifest {
  let input = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json);
    } catch (error) {
      throw new ManifestError([{ path: '$', message: `not valid JSON: ${(error as Error).message}` }], {
        source: options.source,
        cause: error,
      });
    }
  } else if (json instanceof Uint8Array) {
    return parseManifest(
      Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'),
      options,
    );
  }
  let result: ReturnType<ManifestSchema['safeParse']>;
  try {
    // reportInput: without it zod leaves `input` out of every issue, and a present value of the
    // wrong type (size: "1", size: 1.5) was reported as "(missing)".
    result = manifestSchema().safeParse(input, { reportInput: true });
  } catch (error) {
    // Exotic inputs (getters that throw, proxies) must still end in a ManifestError.
    throw new ManifestError([{ path: '$', message: `cannot be read: ${String(error)}` }], {
      source: options.source,
      cause: error,
    });
  }
  const problems: ManifestProblem[] = result.success
    ? []
    : result.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issueMessage(issue) }));
  problems.push(...crossProblems(input));
  if (problems.length > 0 || !result.success) {
    problems.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
    throw new ManifestError(problems, { source: options.source });
  }
  return freeze(result.data);
}

/**
 * Reads and validates a manifest file (UTF-8 JSON). An unreadable, oversized or invalid file
 * throws a {@link ManifestError} naming the file.
 */
export async function loadManifest(file: string | URL): Promise<Manifest> {
  const source = typeof file === 'string' ? file : file.href;
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error(`${source} is not a file`), { code: 'EISDIR' });
    if (info.size > MAX_MANIFEST_BYTES) {
      throw new ManifestError(
        [{ path: '$', message: `the file is ${info.size} bytes; at most ${MAX_MANIFEST_BYTES} are read` }],
        {
          source,
        },
      );
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    const code = (error as { code?: string }).code;
    throw new ManifestError(
      [
        {
          path: '$',
          message: `cannot read the file${code ? ` (${code})` : ''}: ${(error as Error).message}`,
        },
      ],
      {
        source,
        cause: error,
        remediation: [
          `Check that the manifest file exists and is readable: ${source}`,
          'Pass the path of the JSON manifest that came with the installer.',
        ],
      },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseManifest(text, { source });
}

/** Every URL a file can be fetched from, in mirror order. */
export function fileUrls(model: ManifestModel, filePath: string): string[] {
  return model.mirrors.map((mirror) => fileUrl(mirror, model.revision, filePath));
}
