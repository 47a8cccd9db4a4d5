import path from 'node:path';
import { escapeFromRoot, type RootEscape } from '../shared/confine.js';

/**
 * Path rules shared by the manifest schema and the integrity checker. A manifest path is relative to
 * its model folder, uses `/` between segments and is already normalized, so that `<root>/<model
 * id>/<path>` can never leave the model folder on any platform, and a file name means the same on
 * Linux, macOS and Windows.
 */

/** Name of the package's hidden working folder under an install root (partials, claims, caches). */
export const WORK_DIR = '.wan-reliability';

/** Longest manifest path accepted, in UTF-16 code units. */
export const MAX_PATH_LENGTH = 1024;
/** Longest single path segment accepted, in UTF-8 bytes (the limit of ext4, NTFS, APFS). */
export const MAX_SEGMENT_BYTES = 255;
/** Longest model id accepted. */
export const MAX_MODEL_ID_LENGTH = 128;

// Characters Windows refuses in file names, plus `%` sequences handled separately.
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;
// C0 and C1 control characters, DEL included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;
const DRIVE = /^[A-Za-z]:/;
// Slash and backslash look-alikes that Windows "best fit" code pages or NFKC fold to / or \.
const SLASH_LOOKALIKE = /[\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Every problem with a manifest file path (empty when it is valid): it must be relative,
 * normalized (no `.`, `..` or empty segments), use `/` only, contain no control characters,
 * backslashes, drive letters, percent escapes, characters Windows forbids, or the package's
 * working folder name.
 */
export function pathProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length === 0) return ['must not be empty'];
  if (value.length > MAX_PATH_LENGTH) problems.push(`must be at most ${MAX_PATH_LENGTH} characters long`);
  if (CONTROL.test(value)) problems.push('must not contain NUL or other control characters');
  if (value.includes('\\')) problems.push('must use "/" between segments, never a backslash');
  if (value.startsWith('/'))
    problems.push('must be relative to the model folder, not absolute (leading "/")');
  if (DRIVE.test(value)) problems.push('must be relative, not start with a drive letter');
  if (PERCENT_ESCAPE.test(value)) {
    problems.push('must not contain percent escapes such as "%2e": write the characters themselves');
  }
  if (value.normalize('NFC') !== value) problems.push('must be in Unicode NFC form');
  const segments = value.split('/');
  const trimmed = value.startsWith('/') ? segments.slice(1) : segments;
  let segmentProblems = 0;
  for (const segment of trimmed) {
    const problem = segmentProblem(segment);
    if (problem && segmentProblems < 5) {
      problems.push(problem);
      segmentProblems++;
    }
  }
  if (WINDOWS_FORBIDDEN.test(value) && !DRIVE.test(value)) {
    problems.push('must not contain characters Windows forbids in file names: < > : " | ? *');
  }
  return [...new Set(problems)];
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
  if (segment === '.') return 'must be normalized: no "." segments';
  if (segment === '..') return 'must stay inside the model folder: no ".." segments';
  // Look-alikes that some tools fold to "." or "/" (fullwidth dot, division slash, …).
  const folded = segment.normalize('NFKC');
  if (
    folded === '.' ||
    folded === '..' ||
    folded.includes('/') ||
    folded.includes('\\') ||
    SLASH_LOOKALIKE.test(segment)
  ) {
    return `segment "${segment}" folds to a dot or slash under Unicode compatibility normalization`;
  }
  if (segment === WORK_DIR) return `must not use "${WORK_DIR}", the package's working folder`;
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
    return `segment "${segment.slice(0, 20)}…" is longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  if (segment.endsWith('.') || segment.endsWith(' '))
    return `segment "${segment}" must not end with "." or a space`;
  if (WINDOWS_RESERVED.test(segment)) return `segment "${segment}" is a reserved device name on Windows`;
  return undefined;
}

/** True when `value` is a valid manifest file path (see {@link pathProblems}). */
export function isSafeRelativePath(value: string): boolean {
  return pathProblems(value).length === 0;
}

/** Every problem with a model id (empty when valid): it becomes a folder name under the root. */
export function modelIdProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length === 0) return ['must not be empty'];
  if (value.length > MAX_MODEL_ID_LENGTH)
    problems.push(`must be at most ${MAX_MODEL_ID_LENGTH} characters long`);
  if (!MODEL_ID.test(value)) {
    problems.push(
      'must be usable as a folder name: start with a letter or digit, then only letters, digits, ".", "_" and "-"',
    );
  }
  if (value.endsWith('.')) problems.push('must not end with "."');
  if (WINDOWS_RESERVED.test(value)) problems.push('is a reserved device name on Windows');
  return problems;
}

/**
 * The URL of a file on a mirror: `{revision}` in the mirror is replaced by the URL-encoded revision,
 * a missing trailing `/` is added, and each path segment is URL-encoded.
 *
 * @example fileUrl('https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/{revision}/', 'main', 'google/umt5 xxl/spiece.model')
 * // → 'https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/main/google/umt5%20xxl/spiece.model'
 */
export function fileUrl(mirror: string, revision: string, filePath: string): string {
  let base = mirror.split('{revision}').join(encodeURIComponent(revision));
  if (!base.endsWith('/')) base += '/';
  return base + filePath.split('/').map(encodeURIComponent).join('/');
}

/** The model folder `<root>/<id>`. */
export function modelDir(root: string, modelId: string): string {
  return path.join(path.resolve(root), modelId);
}

/** Where a manifest file lives on disk: `<root>/<model id>/<path>` with native separators. */
export function modelFilePath(root: string, modelId: string, filePath: string): string {
  return path.join(path.resolve(root), modelId, ...filePath.split('/'));
}

/**
 * Undefined when `<root>/<model id>/<path>` really lies inside `root` (symbolic links resolved with
 * realpath); else the link that leads out. Verify and repair never read, write or delete such a path.
 */
export function modelFileEscape(
  root: string,
  modelId: string,
  filePath: string,
): Promise<RootEscape | undefined> {
  return escapeFromRoot(root, modelFilePath(root, modelId, filePath));
}

/** One line for a report: how a path leaves the root. */
export function describeEscape(root: string, way: RootEscape): string {
  return way.link
    ? `resolves outside ${path.resolve(root)} through the symbolic link ${way.link} -> ${way.resolved}: not read, written or deleted`
    : `resolves to ${way.resolved}, outside ${path.resolve(root)}: not read, written or deleted`;
}

/** The package's working folder under `root`. */
export function workDir(root: string): string {
  return path.join(path.resolve(root), WORK_DIR);
}
