import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors/ManifestError.js';
import { loadManifest, parseManifest } from '../../src/integrity/manifest.js';
import { fileUrl, isSafeRelativePath, pathProblems } from '../../src/integrity/paths.js';
import { tempDir } from '../support/integrityFixtures.js';

const HEX = 'a'.repeat(64);

function manifestWith(files: unknown[], extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    models: [
      {
        id: 'Wan2.2-TI2V-5B',
        revision: 'abc123',
        mirrors: ['https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/{revision}/'],
        files,
        ...extra,
      },
    ],
  };
}

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseManifest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return [...(error as ManifestError).problems];
  }
  return [];
}

describe('parseManifest', () => {
  it('accepts a valid manifest, lower-cases sha256, adds the trailing slash and fills defaults', () => {
    const manifest = parseManifest(
      JSON.stringify({
        schemaVersion: 1,
        models: [
          {
            id: 'Wan2.2-TI2V-5B',
            revision: 'abc',
            mirrors: ['https://example.com/m/{revision}'],
            files: [{ path: 'google/umt5-xxl/spiece.model', size: 0, sha256: 'ABCDEF'.padEnd(64, 'F') }],
            alternatives: ['Wan2.2-T2V-A14B'],
          },
          {
            id: 'Wan2.2-T2V-A14B',
            revision: 'def',
            mirrors: ['http://mirror.local/x/'],
            files: [],
            required: false,
            priority: 5,
          },
        ],
      }),
    );
    const [first, second] = manifest.models;
    expect(first?.files[0]?.sha256).toBe('abcdef'.padEnd(64, 'f'));
    expect(first?.mirrors[0]).toBe('https://example.com/m/{revision}/');
    expect(first?.required).toBe(true);
    expect(first?.priority).toBe(0);
    expect(first?.alternatives).toEqual(['Wan2.2-T2V-A14B']);
    expect(second?.required).toBe(false);
    expect(second?.priority).toBe(5);
    expect(Object.isFrozen(manifest)).toBe(true);
    // A parsed manifest parses again to the same value (the checker re-validates what it is given).
    expect(parseManifest(manifest)).toEqual(manifest);
  });

  it('lists every problem with its JSON path in one error', () => {
    const input = {
      schemaVersion: 1,
      models: [
        {
          id: '../evil',
          revision: '',
          mirrors: ['ftp://x/', 'https://user:pw@host/x/', 'https://h/{rev}/'],
          files: [
            { path: '../etc/passwd', size: -1, sha256: 'xyz' },
            { path: 'a/./b', size: 1.5, sha256: HEX },
            { path: 'ok.bin', size: 1, sha256: HEX, extra: true },
            { path: 'ok.bin', size: 1, sha256: HEX },
          ],
          alternatives: ['nope'],
        },
      ],
    };
    const problems = problemsOf(input);
    const paths = problems.map((p) => p.path);
    for (const expected of [
      '$.models[0].id',
      '$.models[0].revision',
      '$.models[0].mirrors[0]',
      '$.models[0].mirrors[1]',
      '$.models[0].mirrors[2]',
      '$.models[0].files[0].path',
      '$.models[0].files[0].size',
      '$.models[0].files[0].sha256',
      '$.models[0].files[1].path',
      '$.models[0].files[1].size',
      '$.models[0].files[2]',
      '$.models[0].files[3].path',
      '$.models[0].alternatives[0]',
    ]) {
      expect(paths, expected).toContain(expected);
    }
    let error: ManifestError | undefined;
    try {
      parseManifest(input);
    } catch (e) {
      error = e as ManifestError;
    }
    expect(error?.category).toBe('validation');
    expect(error?.code).toBe('ERR_MANIFEST_INVALID');
    expect(error?.message).toContain('$.models[0].files[0].path');
    expect(error?.remediation.length).toBeGreaterThan(0);
  });

  it('rejects duplicates, case collisions, file-vs-folder clashes and duplicate model ids', () => {
    const dup = problemsOf({
      schemaVersion: 1,
      models: [
        {
          id: 'm',
          revision: 'r',
          mirrors: ['https://h/'],
          files: [
            { path: 'a.bin', size: 1, sha256: HEX },
            { path: 'A.bin', size: 1, sha256: HEX },
            { path: 'dir', size: 1, sha256: HEX },
            { path: 'dir/x', size: 1, sha256: HEX },
          ],
        },
        { id: 'M', revision: 'r', mirrors: ['https://h/'], files: [] },
      ],
    });
    expect(dup.map((p) => p.path)).toEqual(
      expect.arrayContaining(['$.models[0].files[1].path', '$.models[0].files[3].path', '$.models[1].id']),
    );
  });

  it('explains a newer schema version, bad JSON, wrong top-level types and unknown properties', () => {
    expect(problemsOf({ schemaVersion: 2, models: [] }).some((p) => /newer/.test(p.message))).toBe(true);
    expect(problemsOf('{"schemaVersion": 1,')[0]?.message).toMatch(/not valid JSON/);
    expect(problemsOf(null)[0]?.path).toBe('$');
    expect(problemsOf(manifestWith([{ path: 'a', size: 1, sha256: HEX, sha: 'x' }]))[0]?.message).toMatch(
      /"sha"/,
    );
    expect(
      problemsOf(manifestWith([{ path: 'a', size: Number.MAX_SAFE_INTEGER + 2, sha256: HEX }]))[0]?.path,
    ).toBe('$.models[0].files[0].size');
  });

  it('never throws anything but ManifestError on arbitrary JSON (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        try {
          const manifest = parseManifest(value);
          expect(manifest.schemaVersion).toBe(1);
        } catch (error) {
          expect(error).toBeInstanceOf(ManifestError);
          expect((error as ManifestError).problems.length).toBeGreaterThan(0);
        }
        try {
          parseManifest(JSON.stringify(value));
        } catch (error) {
          expect(error).toBeInstanceOf(ManifestError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on manifest-shaped values with arbitrary leaves (fast-check)', () => {
    const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.integer(), fc.double());
    const file = fc.record(
      {
        path: fc.oneof(fc.string(), leaf),
        size: leaf,
        sha256: fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{64}$/), leaf),
      },
      { requiredKeys: [] },
    );
    const model = fc.record(
      {
        id: fc.oneof(fc.string(), leaf),
        revision: leaf,
        mirrors: fc.oneof(fc.array(fc.oneof(fc.webUrl(), fc.string())), leaf),
        files: fc.oneof(fc.array(file, { maxLength: 6 }), leaf),
        alternatives: fc.oneof(fc.array(fc.string()), leaf),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.record({
          schemaVersion: fc.oneof(fc.constant(1), leaf),
          models: fc.oneof(fc.array(model, { maxLength: 4 }), leaf),
        }),
        (value) => {
          try {
            parseManifest(value);
          } catch (error) {
            expect(error).toBeInstanceOf(ManifestError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('manifest paths', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
  const safePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

  it('accepts plain relative paths (fast-check)', () => {
    fc.assert(
      fc.property(safePath, (p) => {
        expect(pathProblems(p)).toEqual([]);
      }),
    );
  });

  it('always rejects hostile paths: .., absolute, backslash, drive letters, encoded and look-alike variants (fast-check)', () => {
    const hostileSegment = fc.constantFrom(
      '..',
      '.',
      '',
      '%2e%2e',
      '%2E%2e',
      '..%2f',
      '%2f',
      '%5c',
      '%00',
      '．．',
      '..\u2215x',
      'a\u0000b',
      'a\nb',
      'C:',
      'nul',
      'CON.txt',
      'x.',
      '.wan-reliability',
    );
    const hostile = fc.oneof(
      fc
        .tuple(fc.array(segment, { maxLength: 3 }), hostileSegment, fc.array(segment, { maxLength: 3 }))
        .map(([a, h, b]) => [...a, h, ...b].join('/')),
      safePath.map((p) => `/${p}`),
      safePath.map((p) => `C:/${p}`),
      safePath.map((p) => `c:${p}`),
      safePath.map((p) => p.replace(/^/, '\\')),
      fc.tuple(safePath, safePath).map(([a, b]) => `${a}\\${b}`),
      fc.tuple(safePath, safePath).map(([a, b]) => `${a}\\..\\${b}`),
      safePath.map((p) => `${p}/`),
      safePath.map((p) => `${p}//x`),
      safePath.map((p) => `//server/share/${p}`),
    );
    fc.assert(
      fc.property(hostile, (p) => {
        expect(isSafeRelativePath(p), p).toBe(false);
        // …and the schema rejects it at the right JSON path.
        const problems = problemsOf(manifestWith([{ path: p, size: 1, sha256: HEX }]));
        expect(problems.some((x) => x.path === '$.models[0].files[0].path')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('no accepted path can leave the model folder (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (p) => {
        if (!isSafeRelativePath(p)) return;
        const resolved = path.posix.resolve('/root/model', p);
        expect(resolved.startsWith('/root/model/')).toBe(true);
        expect(path.win32.resolve('C:\\root\\model', p).startsWith('C:\\root\\model\\')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fileUrl', () => {
  it('substitutes the encoded revision and encodes each path segment', () => {
    expect(fileUrl('https://h/m/resolve/{revision}/', 'refs/pr/1', 'dir with space/a#b?.bin')).toBe(
      'https://h/m/resolve/refs%2Fpr%2F1/dir%20with%20space/a%23b%3F.bin',
    );
    expect(fileUrl('https://h/m', 'main', 'x/y.json')).toBe('https://h/m/x/y.json');
    expect(fileUrl('https://h/{revision}/{revision}/', 'ü', 'ä')).toBe('https://h/%C3%BC/%C3%BC/%C3%A4');
  });
});

describe('loadManifest', () => {
  const dirs: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((c) => c()));
  });

  it('reads a file (with BOM) and names the file in errors', async () => {
    const { dir, cleanup } = await tempDir();
    dirs.push(cleanup);
    const good = path.join(dir, 'good.json');
    await writeFile(good, `\ufeff${JSON.stringify(manifestWith([{ path: 'a.bin', size: 1, sha256: HEX }]))}`);
    expect((await loadManifest(good)).models[0]?.files[0]?.path).toBe('a.bin');

    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify(manifestWith([{ path: '../a', size: 1, sha256: HEX }])));
    await expect(loadManifest(bad)).rejects.toMatchObject({ name: 'ManifestError', source: bad });

    await expect(loadManifest(path.join(dir, 'absent.json'))).rejects.toMatchObject({
      name: 'ManifestError',
      problems: [expect.objectContaining({ message: expect.stringContaining('ENOENT') })],
    });
    await mkdir(path.join(dir, 'folder.json'));
    await expect(loadManifest(path.join(dir, 'folder.json'))).rejects.toBeInstanceOf(ManifestError);
  });
});
