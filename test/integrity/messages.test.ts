// A manifest author fixes a manifest from these messages alone: each bad value gets the one problem
// that names it, at its JSON path, and nothing else. Table-driven, one row per rule.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors/ManifestError.js';
import {
  loadManifest,
  MAX_MANIFEST_BYTES,
  mirrorProblems,
  parseManifest,
} from '../../src/integrity/manifest.js';
import { isSafeRelativePath, modelIdProblems, pathProblems } from '../../src/integrity/paths.js';

const FORBIDDEN = 'must not contain characters Windows forbids in file names: < > : " | ? *';
const FOLDER_NAME =
  'must be usable as a folder name: start with a letter or digit, then only letters, digits, ".", "_" and "-"';
const folds = (segment: string) =>
  `segment "${segment}" folds to a dot or slash under Unicode compatibility normalization`;

describe('manifest file paths', () => {
  it.each([
    ['', ['must not be empty']],
    [Array(11).fill('x'.repeat(100)).join('/'), ['must be at most 1024 characters long']],
    ['a\u0001b', ['must not contain NUL or other control characters']],
    ['a\\b', ['must use "/" between segments, never a backslash', folds('a\\b')]],
    ['/abs/x', ['must be relative to the model folder, not absolute (leading "/")']],
    ['C:/x', ['must be relative, not start with a drive letter']],
    ['x/C:y', [FORBIDDEN]],
    ['1:/x', [FORBIDDEN]],
    ['a<b', [FORBIDDEN]],
    ['%2e/x', ['must not contain percent escapes such as "%2e": write the characters themselves']],
    ['e\u0301.bin', ['must be in Unicode NFC form']],
    ['a/./b', ['must be normalized: no "." segments']],
    ['a/../b', ['must stay inside the model folder: no ".." segments']],
    ['a//b', ['must not contain empty segments ("//" or a trailing "/")']],
    ['x/', ['must not contain empty segments ("//" or a trailing "/")']],
    ['a/\uff0e/b', [folds('\uff0e')]],
    ['a/\uff0e\uff0e/b', [folds('\uff0e\uff0e')]],
    ['.wan-reliability/x', [`must not use ".wan-reliability", the package's working folder`]],
    ['x'.repeat(256), [`segment "${'x'.repeat(20)}…" is longer than 255 bytes`]],
    ['a./b', ['segment "a." must not end with "." or a space']],
    ['a /b', ['segment "a " must not end with "." or a space']],
    ['con.txt', ['segment "con.txt" is a reserved device name on Windows']],
    ['COM¹.bin', ['segment "COM¹.bin" is a reserved device name on Windows']],
  ])('%j: %j', (value, problems) => {
    expect(pathProblems(value)).toEqual(problems);
    expect(isSafeRelativePath(value)).toBe(false);
  });

  it.each([
    `${Array(10).fill('x'.repeat(101)).join('/')}/xxxx`, // exactly 1024 characters
    'x'.repeat(255),
    'é'.repeat(127),
    'x/ leading space',
    'a%2/b',
    'comx/lptx/console',
    'models/Wan2.2_VAE.pth',
  ])('%j is a valid path', (value) => {
    expect(pathProblems(value)).toEqual([]);
    expect(isSafeRelativePath(value)).toBe(true);
  });

  it('lists at most five segment problems, each once', () => {
    expect(pathProblems('./../x//.wan-reliability/con/x./y.')).toEqual([
      'must be normalized: no "." segments',
      'must stay inside the model folder: no ".." segments',
      'must not contain empty segments ("//" or a trailing "/")',
      `must not use ".wan-reliability", the package's working folder`,
      'segment "con" is a reserved device name on Windows',
    ]);
  });
});

describe('model ids', () => {
  it.each([
    ['', ['must not be empty']],
    ['x'.repeat(129), ['must be at most 128 characters long']],
    ['-x', [FOLDER_NAME]],
    ['.x', [FOLDER_NAME]],
    ['ab/c', [FOLDER_NAME]],
    ['x.', ['must not end with "."']],
    ['con', ['is a reserved device name on Windows']],
    ['x'.repeat(128), []],
    ['Wan2.2-TI2V-5B', []],
  ])('%j: %j', (value, problems) => {
    expect(modelIdProblems(value)).toEqual(problems);
  });
});

describe('mirrors', () => {
  it.each([
    ['https://h.example/{rev}/', ['unknown placeholder {rev}: only {revision} is substituted']],
    ['not a url', ['must be an absolute http(s) URL']],
    ['https://h.example/{rev}/{x', ['unknown placeholder {rev}: only {revision} is substituted']],
    ['ftp://h.example/x', ['must use http or https']],
    ['https://user@h.example/x', ['must not embed credentials: give the Downloader a token() instead']],
    ['https://:pw@h.example/x', ['must not embed credentials: give the Downloader a token() instead']],
    ['https://h.example/x?', ['must not have a query string: it is a base URL']],
    ['https://h.example/x?a=1', ['must not have a query string: it is a base URL']],
    ['https://h.example/x#', ['must not have a fragment']],
    ['https://h.example/{revision}/x', []],
  ])('%j: %j', (value, problems) => {
    expect(mirrorProblems(value)).toEqual(problems);
  });

  it('an unparsable mirror keeps its placeholder problem too', () => {
    expect(mirrorProblems('{bad}')).toEqual([
      'unknown placeholder {bad}: only {revision} is substituted',
      'must be an absolute http(s) URL',
    ]);
  });
});

const SHA = 'a'.repeat(64);
const model = {
  id: 'm',
  revision: 'main',
  mirrors: ['https://h.example/'],
  files: [{ path: 'f.bin', size: 1, sha256: SHA }],
};

/** The problems parseManifest reports for `value` (it must throw a ManifestError). */
function problemsOf(value: unknown): { path: string; message: string }[] {
  try {
    parseManifest(value, { source: 'm.json' });
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).source).toBe('m.json');
    return [...(error as ManifestError).problems];
  }
  throw new Error('expected a ManifestError');
}

describe('manifest documents', () => {
  it.each([
    [
      { schemaVersion: 2, models: [model] },
      [
        {
          path: '$.schemaVersion',
          message: 'schema version 2 is newer than this package reads (1): update @wan/reliability',
        },
      ],
    ],
    [{ schemaVersion: 0, models: [model] }, [{ path: '$.schemaVersion', message: 'must be 1' }]],
    [{ schemaVersion: '2', models: [model] }, [{ path: '$.schemaVersion', message: 'must be 1' }]],
    [{ schemaVersion: 1, models: [model], x: 1 }, [{ path: '$', message: 'unknown property "x"' }]],
    [
      { schemaVersion: 1, models: [model], x: 1, y: 2 },
      [{ path: '$', message: 'unknown properties "x", "y"' }],
    ],
    [{ schemaVersion: 1, models: [] }, [{ path: '$.models', message: 'must list at least one model' }]],
  ])('%j', (value, problems) => {
    expect(problemsOf(value)).toEqual(problems);
  });

  it('says which values are missing, which have the wrong type, and what is wrong with the rest', () => {
    const files = [
      { path: 'a', size: '1', sha256: SHA },
      { path: 'b', size: 1.5, sha256: SHA },
      { path: 'c', size: -1, sha256: `x${SHA}` },
      { path: 'd', sha256: SHA.slice(1) },
    ];
    expect(
      problemsOf({
        schemaVersion: 1,
        models: [
          {
            id: 'm',
            revision: '',
            mirrors: [],
            files,
            priority: 1.5,
            displayName: 'd'.repeat(257),
            description: 'd'.repeat(4097),
          },
          { ...model, id: 'n', revision: 'a\u0000b' },
          { ...model, id: 'o', revision: 'r'.repeat(257) },
        ],
      }),
    ).toEqual([
      { path: '$.models[0].description', message: 'Too big: expected string to have <=4096 characters' },
      { path: '$.models[0].displayName', message: 'Too big: expected string to have <=256 characters' },
      { path: '$.models[0].files[0].size', message: 'expected number' },
      { path: '$.models[0].files[1].size', message: 'must be a whole number of bytes' },
      {
        path: '$.models[0].files[2].sha256',
        message: 'must be a SHA-256 digest: exactly 64 hexadecimal digits',
      },
      { path: '$.models[0].files[2].size', message: 'must not be negative' },
      {
        path: '$.models[0].files[3].sha256',
        message: 'must be a SHA-256 digest: exactly 64 hexadecimal digits',
      },
      { path: '$.models[0].files[3].size', message: 'expected number (missing)' },
      { path: '$.models[0].mirrors', message: 'must list at least one mirror' },
      { path: '$.models[0].priority', message: 'must be an integer' },
      { path: '$.models[0].revision', message: 'must not be empty' },
      { path: '$.models[1].revision', message: 'must not contain control characters' },
      { path: '$.models[2].revision', message: 'must be at most 256 characters long' },
    ]);
  });

  it('a sha256 with extra characters around 64 hex digits is not a digest', () => {
    for (const sha256 of [`${SHA}0`, `0${SHA}`, `${SHA}\n`]) {
      expect(
        problemsOf({ schemaVersion: 1, models: [{ ...model, files: [{ path: 'f', size: 1, sha256 }] }] }),
      ).toEqual([
        {
          path: '$.models[0].files[0].sha256',
          message: 'must be a SHA-256 digest: exactly 64 hexadecimal digits',
        },
      ]);
    }
  });

  it('problems come sorted by path, numbers in numeric order, schema and cross-file problems mixed', () => {
    const models = Array.from({ length: 11 }, (_, i) => ({ ...model, id: `m${i}` }));
    models[1] = { ...model, id: 'm0' };
    models[9] = { ...model, id: 'm9', revision: '' };
    models[10] = { ...model, id: 'm10', revision: '' };
    expect(problemsOf({ schemaVersion: 1, models }).map((p) => p.path)).toEqual([
      '$.models[1].id',
      '$.models[9].revision',
      '$.models[10].revision',
    ]);
  });

  it('keeps displayName and description when given and adds nothing when not', () => {
    const parsed = parseManifest({
      schemaVersion: 1,
      models: [
        { ...model, displayName: 'D'.repeat(256), description: 'T' },
        { ...model, id: 'n' },
      ],
    });
    expect(parsed.models[0]).toMatchObject({ displayName: 'D'.repeat(256), description: 'T' });
    expect(Object.keys(parsed.models[1] ?? {})).not.toContain('displayName');
    expect(Object.keys(parsed.models[1] ?? {})).not.toContain('description');
  });

  it('reads bytes and strings; bad JSON and unreadable values end in a ManifestError with their cause', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 1, models: [model] }));
    expect(parseManifest(bytes.subarray(0)).models).toHaveLength(1);
    let thrown: unknown;
    try {
      parseManifest('{ nope', { source: 'bad.json' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ source: 'bad.json', cause: expect.any(SyntaxError) });
    expect((thrown as ManifestError).problems[0]?.message).toMatch(/^not valid JSON: /);
    expect(
      problemsOf({
        get schemaVersion(): number {
          throw new Error('boom');
        },
        models: [],
      }),
    ).toEqual([{ path: '$', message: 'cannot be read: Error: boom' }]);
  });
});

describe('loadManifest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wan-manifest-msg-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(file: string | URL): Promise<ManifestError> {
    const error = await loadManifest(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }

  it('reads a file given as a path or a file: URL, with or without a BOM', async () => {
    const file = path.join(dir, 'plain.json');
    await writeFile(file, JSON.stringify({ schemaVersion: 1, models: [model] }));
    expect((await loadManifest(file)).models).toHaveLength(1);
    expect((await loadManifest(pathToFileURL(file))).models).toHaveLength(1);
    const url = pathToFileURL(path.join(dir, 'absent.json'));
    expect((await loadError(url)).source).toBe(url.href);
  });

  it('a folder, a missing file and an oversized file are named with what to do', async () => {
    const folder = await loadError(dir);
    expect(folder.problems).toEqual([
      { path: '$', message: `cannot read the file (EISDIR): ${dir} is not a file` },
    ]);
    expect(folder.source).toBe(dir);
    expect(folder.remediation).toEqual([
      `Check that the manifest file exists and is readable: ${dir}`,
      'Pass the path of the JSON manifest that came with the installer.',
    ]);
    const missing = await loadError(path.join(dir, 'none.json'));
    expect(missing.problems[0]?.message).toMatch(/^cannot read the file \(ENOENT\): /);
    expect(missing.cause).toMatchObject({ code: 'ENOENT' });

    // Sparse files: the size is what stat says, no disk space is used.
    const huge = path.join(dir, 'huge.json');
    await writeFile(huge, '');
    await truncate(huge, MAX_MANIFEST_BYTES + 1);
    expect((await loadError(huge)).problems).toEqual([
      {
        path: '$',
        message: `the file is ${MAX_MANIFEST_BYTES + 1} bytes; at most ${MAX_MANIFEST_BYTES} are read`,
      },
    ]);
    const limit = path.join(dir, 'limit.json');
    await writeFile(limit, '');
    await truncate(limit, MAX_MANIFEST_BYTES);
    expect((await loadError(limit)).problems[0]?.message).toMatch(/^not valid JSON/);
  });
});
