import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMeta, removeMetaTemps, sameValidators, validatorsFor } from '../../src/downloads/partialMeta.js';
import type { PartialMeta } from '../../src/downloads/rangeResume.js';
import { tempRoot } from '../support/download-helpers.js';

// The meta file decides what a resumed download trusts: anything it cannot vouch for must read as
// "nothing kept" (refetch), never as bytes to keep.

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ root, cleanup } = await tempRoot('wan-meta-'));
});
afterAll(() => cleanup());

let n = 0;
async function metaFile(content: unknown): Promise<string> {
  const file = path.join(root, `meta-${n++}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('readMeta: written ranges', () => {
  const damaged: [string, unknown][] = [
    ['not a list', 'x'],
    ['an entry that is not a pair', [5]],
    ['an entry of three numbers', [[0, 10, 20]]],
    ['an entry that is not a list', [{ start: 0, end: 10 }]],
    ['a start that is not an integer', [[0.5, 10]]],
    ['an end that is not an integer', [[0, 10.5]]],
    ['a start given as text', [['0', 10]]],
    ['an end given as text', [[0, '10']]],
    ['an empty range', [[5, 5]]],
    ['a reversed range', [[10, 5]]],
    [
      'ranges out of order',
      [
        [20, 30],
        [0, 10],
      ],
    ],
    [
      'overlapping ranges',
      [
        [0, 10],
        [5, 20],
      ],
    ],
    [
      'touching ranges (we store them merged)',
      [
        [0, 10],
        [10, 20],
      ],
    ],
    [
      'a good range after a damaged one',
      [
        [0, 10],
        [10, 5],
        [30, 40],
      ],
    ],
  ];
  it.each(damaged)('%s: nothing is kept', async (_, segments) => {
    const meta = await readMeta(await metaFile({ version: 1, urlKey: 'k', segments }));
    expect(meta?.segments).toEqual([]);
  });

  it('keeps sorted, disjoint integer ranges as they are, the first one from byte 0', async () => {
    const segments = [
      [0, 10],
      [11, 12],
      [4096, 1 << 30],
    ];
    expect((await readMeta(await metaFile({ version: 1, urlKey: 'k', segments })))?.segments).toEqual(
      segments,
    );
  });
});

describe('readMeta: the file itself', () => {
  it.each([
    ['another version', { version: 2, urlKey: 'k' }],
    ['no version', { urlKey: 'k' }],
    ['no URL key', { version: 1 }],
    ['a URL key that is not text', { version: 1, urlKey: 7 }],
    ['JSON null', null],
    ['not JSON', '{"version":1,'],
  ])('%s: undefined (the partial is not trusted)', async (_, content) => {
    expect(await readMeta(await metaFile(content))).toBeUndefined();
  });

  it('a missing file: undefined', async () => {
    expect(await readMeta(path.join(root, 'nothing-here.json'))).toBeUndefined();
  });

  it('a good file comes back as written', async () => {
    const meta = { version: 1, urlKey: 'k', etag: '"e"', lastModified: 'x', total: 10, sha256: 'ab' };
    expect(await readMeta(await metaFile(meta))).toEqual(meta);
  });
});

describe('validators', () => {
  it('takes ETag and Last-Modified from the response head (the first of repeated ones)', () => {
    expect(
      validatorsFor('k', { etag: '"v1"', 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' }, 42, 'ab'),
    ).toEqual({
      version: 1,
      urlKey: 'k',
      etag: '"v1"',
      lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT',
      total: 42,
      sha256: 'ab',
    });
    expect(
      validatorsFor('k', { 'last-modified': ['a', 'b'] as unknown as string }, undefined, undefined),
    ).toMatchObject({ etag: undefined, lastModified: 'a' });
  });

  it('sameValidators: any change of URL, ETag, Last-Modified or size is new; nothing stored is new', () => {
    const base: PartialMeta = { version: 1, urlKey: 'k', etag: '"e"', lastModified: 'l', total: 10 };
    expect(sameValidators(base, { ...base })).toBe(true);
    expect(sameValidators(undefined, base)).toBe(false);
    expect(sameValidators(base, { ...base, urlKey: 'other' })).toBe(false);
    expect(sameValidators(base, { ...base, etag: '"f"' })).toBe(false);
    expect(sameValidators(base, { ...base, lastModified: 'm' })).toBe(false);
    expect(sameValidators(base, { ...base, total: 11 })).toBe(false);
  });
});

describe('removeMetaTemps', () => {
  it('removes the temp files of a crashed meta write, and nothing else', async () => {
    const dir = path.join(root, 'temps');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const meta = path.join(dir, 'w.json');
    const names = {
      removed: ['.w.json.123.abcd.tmp', '.w.json.9.tmp'],
      kept: ['w.json', '.w.json.123.abcd', 'w.json.1.tmp', '.x.json.1.tmp', '.w.jsonx.1.tmp', 'other.tmp'],
    };
    for (const name of [...names.removed, ...names.kept]) await writeFile(path.join(dir, name), '');
    await removeMetaTemps(meta);
    expect((await readdir(dir)).sort()).toEqual([...names.kept].sort());
  });

  it('a folder that is gone is no error', async () => {
    await expect(removeMetaTemps(path.join(root, 'gone', 'w.json'))).resolves.toBeUndefined();
  });
});
