import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { SizeMismatchError } from '../../src/errors/SizeMismatchError.js';
import { expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { makeContent } from '../support/download-server.js';
import { type Origin, type OriginBehaviour, startOrigin } from '../support/origin-server.js';

// A manifest entry without a sha256 (a size only) is all some mirrors publish: the size is then the
// only proof, and nothing of another length may be placed.

const SIZE = 300_000;
let root: string;
let cleanup: () => Promise<void>;
let origin: Origin | undefined;
let downloader: Downloader | undefined;

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-size-only-'));
});
afterEach(async () => {
  await downloader?.close();
  await origin?.close();
  await cleanup();
});

async function download(file: Buffer, behave: (nth: number) => OriginBehaviour) {
  origin = await startOrigin(new Map([['/f.bin', file]]), (_path, nth) => behave(nth));
  downloader = new Downloader({ proxy: false, retry: { delays: [5, 10, 20] } });
  const dest = path.join(root, 'f.bin');
  return { dest, result: downloader.download({ urls: [`${origin.base}/f.bin`], dest, size: SIZE }) };
}

describe('downloads with a size and no sha256', () => {
  it('a body longer than the size, without a length to tell it in advance: SizeMismatchError, nothing placed', async () => {
    const { dest, result } = await download(makeContent(SIZE + 100, 5), () => ({
      kind: 'short-close',
      after: SIZE + 100,
    }));
    const error = await result.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SizeMismatchError);
    expect(String(error)).toContain(`expected ${SIZE} bytes, got ${SIZE + 100}`);
    await expect(readFile(dest)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(origin?.requests.length).toBe(1);
  });

  it('a body that ends cleanly but short is resumed to exactly the size', async () => {
    const file = makeContent(SIZE, 6);
    const { dest, result } = await download(file, (nth) =>
      nth === 0 ? { kind: 'short-close', after: SIZE - 100 } : { kind: 'normal' },
    );
    await expect(result).resolves.toMatchObject({ bytes: SIZE, resumed: true, attempts: 2 });
    expect((await readFile(dest)).equals(file)).toBe(true);
    expect(origin?.requests[1]?.headers.range).toBe(`bytes=${SIZE - 100}-`);
    await expectNoTempBeside(dest);
  });
});
