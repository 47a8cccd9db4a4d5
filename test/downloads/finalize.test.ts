import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { DiskFullError } from '../../src/errors/DiskFullError.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type Origin, startOrigin } from '../support/origin-server.js';
import { canMountTmpfs, mountTmpfs, unmount } from '../support/tmpfs.js';

// /dev/shm is a tmpfs; the temp root is on the disk: a rename between them fails with EXDEV.
const OTHER_VOLUME = '/dev/shm';
const crossVolume =
  process.platform === 'linux' &&
  (await stat(OTHER_VOLUME).then(
    () => true,
    () => false,
  ));
const canMount = crossVolume && (await canMountTmpfs());

const SIZE = 3 * 1024 * 1024 + 5;
const body = makeContent(SIZE, 44);

let root: string;
let cleanup: () => Promise<void>;
let scratch: string;
let origin: Origin;

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-finalize-'));
  if (crossVolume) scratch = await mkdtemp(path.join(OTHER_VOLUME, 'wan-scratch-'));
  origin = await startOrigin(new Map([['/f.bin', body]]), () => ({ kind: 'normal' }));
});
afterEach(async () => {
  await origin.close();
  if (crossVolume) await rm(scratch, { recursive: true, force: true });
  await cleanup();
});

describe.skipIf(!crossVolume)(
  'placing a file when tempDir is on another volume (copy, fsync, rename)',
  () => {
    it('places the verified file atomically and leaves no copy or partial behind', async () => {
      const downloader = new Downloader({ proxy: false, tempDir: scratch });
      try {
        const dest = path.join(root, 'models', 'f.bin');
        const result = await downloader.download({
          urls: [`${origin.base}/f.bin`],
          dest,
          sha256: sha256(body),
          root,
        });
        expect(result.bytes).toBe(SIZE);
        expect(await expectExactOrAbsent(dest, body)).toBe('exact');
        // Neither the scratch volume nor the destination's folders keep anything.
        expect(await readdir(scratch)).toEqual([]);
        expect((await readdir(path.join(root, 'models'))).sort()).toEqual(['f.bin']);
        expect((await readdir(root)).filter((name) => name !== 'models')).toEqual([]);
      } finally {
        downloader.close();
      }
    });

    it.skipIf(!canMount)(
      'a copy that fails (destination volume full) removes the copy and keeps nothing at dest',
      async () => {
        const small = path.join(root, 'small');
        await mkdir(small);
        expect(mountTmpfs(small, '1m')).toBe(true);
        const downloader = new Downloader({ proxy: false, tempDir: scratch });
        try {
          const dest = path.join(small, 'f.bin');
          // No size: the free-space check cannot refuse up front, so the copy itself meets ENOSPC.
          const error = await downloader
            .download({ urls: [`${origin.base}/f.bin`], dest, sha256: sha256(body), root: small })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DiskFullError);
          expect(await expectExactOrAbsent(dest, body)).toBe('absent');
          const left = await readdir(small, { recursive: true });
          expect(left.filter((name) => String(name).endsWith('.copy'))).toEqual([]);
        } finally {
          downloader.close();
          unmount(small);
        }
      },
    );
  },
);
