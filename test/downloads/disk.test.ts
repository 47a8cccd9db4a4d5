import { execFileSync } from 'node:child_process';
import { mkdir, open, readdir, rm, rmdir, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { DiskFullError } from '../../src/errors/DiskFullError.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { type FileServer, makeContent, sha256, startFileServer } from '../support/download-server.js';
import { canMountTmpfs } from '../support/tmpfs.js';

const SIZE = 6 * 1024 * 1024;
const content = makeContent(SIZE, 5);
const digest = sha256(content);

let root: string;
let cleanup: () => Promise<void>;
let server: FileServer;
let mounted: string | undefined;

/** A 2 MiB tmpfs when this machine lets us mount one (root on Linux), else undefined. */
function mountSmallTmpfs(dir: string): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}

const canMount = await canMountTmpfs();

beforeAll(async () => {
  ({ root, cleanup } = await tempRoot());
  await mkdir(path.join(root, 'small'));
  mounted = mountSmallTmpfs(path.join(root, 'small'));
  server = await startFileServer(content);
});

afterAll(async () => {
  await server.close();
  if (mounted) execFileSync('umount', [mounted], { stdio: 'ignore' });
  await cleanup();
});

describe('Downloader and a full disk', () => {
  it.skipIf(process.platform !== 'linux')(
    'checks free space before starting and names the shortfall',
    async () => {
      const small = path.join(root, 'small');
      const downloader = new Downloader({ proxy: false, breaker: false });
      try {
        // statfs of a folder on a 2 MiB tmpfs (or a size far beyond any disk when it is not mounted).
        const size = mounted ? SIZE : 2 ** 52;
        const dest = path.join(small, 'model', 'big.bin');
        const error = (await downloader
          .download({ urls: [server.url], dest, size, root: small })
          .catch((e: unknown) => e)) as DiskFullError;
        expect(error).toBeInstanceOf(DiskFullError);
        expect(error.category).toBe('disk_full');
        expect(error.requiredBytes).toBe(size);
        expect(error.shortfallBytes).toBeGreaterThan(0);
        expect(error.message).toMatch(/short by/);
        expect(server.requests).toHaveLength(0);
        await expectNoTempBeside(dest);
      } finally {
        downloader.close();
      }
    },
  );

  it.runIf(canMount)('turns ENOSPC while writing into DiskFullError without placing anything', async () => {
    expect(mounted).toBeDefined();
    const small = path.join(root, 'small');
    const dest = path.join(small, 'model', 'unknown-size.bin');
    const downloader = new Downloader({ proxy: false, breaker: false });
    try {
      // No size given, so only the write itself can find out.
      const error = await downloader
        .download({ urls: [server.url], dest, sha256: digest, root: small })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiskFullError);
      expect(await expectExactOrAbsent(dest, content)).toBe('absent');
      await expectNoTempBeside(dest);
      // What is kept is an exact prefix, usable by the next run.
      const [partial] = await findPartials(dest, { root: small });
      if (partial) {
        const handle = await open(partial.path, 'r');
        const kept = Buffer.alloc(partial.bytes);
        await handle.read(kept, 0, partial.bytes, 0);
        await handle.close();
        expect(kept.equals(content.subarray(0, partial.bytes))).toBe(true);
      }
    } finally {
      downloader.close();
    }
  });

  it('turns an injected ENOSPC into DiskFullError, keeps an exact prefix, and resumes later', async () => {
    const dest = path.join(root, 'model', 'injected.bin');
    const probe = await open(path.join(root, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const original = proto.write;
    let written = 0;
    proto.write = function (this: unknown, ...args: unknown[]) {
      const length = args[2] as number;
      if (written + length > 2 * 1024 * 1024) {
        return Promise.reject(
          Object.assign(new Error('ENOSPC: no space left on device, write'), {
            code: 'ENOSPC',
            syscall: 'write',
          }),
        );
      }
      written += length;
      return original.apply(this, args);
    };
    const downloader = new Downloader({ proxy: false, breaker: false, blockSize: 256 * 1024 });
    try {
      const error = await downloader
        .download({ urls: [server.url], dest, sha256: digest, root })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiskFullError);
      expect(await expectExactOrAbsent(dest, content)).toBe('absent');
      const [partial] = await findPartials(dest, { root });
      expect(partial?.bytes).toBe(2 * 1024 * 1024);
    } finally {
      proto.write = original;
    }
    try {
      const result = await downloader.download({ urls: [server.url], dest, sha256: digest, root });
      expect(result.resumed).toBe(true);
      expect(result.bytesTransferred).toBe(SIZE - 2 * 1024 * 1024);
      expect(await expectExactOrAbsent(dest, content)).toBe('exact');
      await expectNoTempBeside(dest);
    } finally {
      downloader.close();
    }
  });
});

/** Everything under `dir`, as relative paths (folders end with "/"). */
async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory())
      out.push(`${relative}/`, ...(await listTree(path.join(dir, entry.name), `${relative}/`)));
    else out.push(relative);
  }
  return out.sort();
}

/** Fills the volume of `dir` with `file` until ENOSPC (a tmpfs: a few MiB at most). */
async function fill(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i++) await handle.write(block);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await handle.close();
  }
  // Whatever a partial block left: fill it byte by byte (bounded).
  const tail = await open(file, 'a');
  try {
    for (let i = 0; i < 64 * 1024; i++) await tail.write(Buffer.of(1));
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await tail.close();
  }
}

describe('nothing is left behind after DiskFullError', () => {
  it.runIf(process.platform === 'linux')(
    'when the free-space check fails: no empty partial, claim or work folder',
    async () => {
      const scratch = path.join(root, 'check-fails');
      await mkdir(scratch);
      const downloader = new Downloader({ proxy: false, breaker: false });
      try {
        const error = await downloader
          .download({
            urls: [server.url],
            dest: path.join(scratch, 'model', 'big.bin'),
            size: 2 ** 52,
            root: scratch,
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DiskFullError);
        expect(await listTree(scratch)).toEqual([]);
      } finally {
        await downloader.close();
      }
    },
  );

  it.runIf(canMount)(
    'when the disk fills before or at the first bytes (claim, partial, meta): no claim, temp or empty partial stays',
    async () => {
      const full = path.join(root, 'full');
      await mkdir(full);
      expect(mountSmallTmpfs(full)).toBe(full);
      const filler = path.join(full, 'filler');
      try {
        await fill(filler);
        const fullSize = (await stat(filler)).size;
        // 0 to 16 pages free: the claim, the meta file or the first block is what fails.
        for (const freePages of [0, 1, 2, 3, 16]) {
          for (const size of [undefined, SIZE]) {
            await rm(path.join(full, '.wan-reliability'), { recursive: true, force: true });
            await truncate(filler, fullSize - freePages * 4096);
            const dest = path.join(full, 'model', 'file.bin');
            const downloader = new Downloader({ proxy: false, breaker: false });
            try {
              const error = await downloader
                .download({ urls: [server.url], dest, root: full, ...(size ? { size } : {}) })
                .catch((e: unknown) => e);
              expect(error, `${freePages} pages free, size ${size}`).toBeInstanceOf(DiskFullError);
            } finally {
              await downloader.close();
            }
            const tree = (await listTree(full)).filter((name) => name !== 'filler');
            const [partial] = await findPartials(dest, { root: full });
            if (!partial) {
              expect(tree, `${freePages} pages free, size ${size}`).toEqual([]);
              continue;
            }
            // A prefix that made it to disk is kept for resume, with at most its meta file.
            expect(partial.bytes, `${freePages} pages free, size ${size}: ${tree.join(' ')}`).toBeGreaterThan(
              0,
            );
            const writer = path.basename(partial.path, '.part');
            const work = path.relative(full, path.dirname(partial.path));
            const files = tree.filter((name) => !name.endsWith('/'));
            expect(files.filter((name) => name !== `${work}/${writer}.json`)).toEqual([
              `${work}/${writer}.part`,
            ]);
          }
        }
      } finally {
        execFileSync('umount', [full], { stdio: 'ignore' });
        await rmdir(full);
      }
    },
  );

  it.runIf(canMount)(
    'keeps a non-empty prefix on purpose (for resume), with at most its meta file and nothing else',
    async () => {
      const fresh = path.join(root, 'fresh');
      await mkdir(fresh);
      expect(mountSmallTmpfs(fresh)).toBe(fresh);
      try {
        const dest = path.join(fresh, 'model', 'prefix.bin');
        const downloader = new Downloader({ proxy: false, breaker: false });
        try {
          const error = await downloader
            .download({ urls: [server.url], dest, sha256: digest, root: fresh })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DiskFullError);
        } finally {
          await downloader.close();
        }
        const [partial] = await findPartials(dest, { root: fresh });
        expect(partial?.bytes ?? 0).toBeGreaterThan(0);
        const writer = path.basename(partial?.path ?? '', '.part');
        const work = path.relative(fresh, path.dirname(partial?.path ?? ''));
        // The meta file is there unless the full disk refused it too (the prefix resumes without it).
        const tree = (await listTree(fresh)).filter((name) => name !== `${work}/${writer}.json`);
        expect(tree).toEqual(
          ['.wan-reliability/', '.wan-reliability/partial/', `${work}/`, `${work}/${writer}.part`].sort(),
        );
      } finally {
        execFileSync('umount', [fresh], { stdio: 'ignore' });
        await rmdir(fresh);
      }
    },
  );
});
