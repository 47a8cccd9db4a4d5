import { execFileSync } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { DiskFullError } from '../../src/errors/DiskFullError.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { type FileServer, makeContent, sha256, startFileServer } from '../support/download-server.js';

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

  it.runIf(process.platform === 'linux')(
    'turns ENOSPC while writing into DiskFullError without placing anything',
    async () => {
      if (!mounted) return; // covered by the injected variant below
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
    },
  );

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
