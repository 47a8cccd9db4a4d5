import { createHash } from 'node:crypto';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BlockSink } from '../../src/downloads/blockSink.js';
import { BlockWriter } from '../../src/downloads/blockWriter.js';
import { Downloader } from '../../src/downloads/Downloader.js';
import { DIRECT_ALIGN, openDirectWrites, plainBlocks } from '../../src/downloads/directIo.js';
import { HasherPool } from '../../src/downloads/hashWorker.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { DiskFullError } from '../../src/errors/DiskFullError.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { type FileServer, makeContent, sha256, startFileServer } from '../support/download-server.js';

let root: string;
let cleanup: () => Promise<void>;
const hashers = new HasherPool(2);

beforeAll(async () => {
  ({ root, cleanup } = await tempRoot('wan-direct-'));
});
afterAll(async () => {
  hashers.close();
  await cleanup();
});

/** Feeds `data` into the sink in the given piece sizes, alternating lent regions and copies. */
async function feed(sink: BlockSink, data: Buffer, pieces: readonly number[]): Promise<void> {
  let at = 0;
  let turn = 0;
  while (at < data.length) {
    const want = Math.min(pieces[turn % pieces.length] as number, data.length - at);
    const lend = turn++ % 2 === 0;
    const region = lend ? sink.region() : undefined;
    let room: boolean;
    if (region) {
      const n = Math.min(want, region.length);
      data.copy(region, 0, at, at + n);
      at += n;
      room = sink.commit(n);
    } else {
      room = sink.write(data.subarray(at, at + want));
      at += want;
    }
    if (!room) await new Promise<void>((resolve) => (sink.onDrain = resolve));
    expect(sink.error).toBeUndefined();
  }
  await sink.flush();
}

describe('direct writes (O_DIRECT)', () => {
  it('finds aligned block memory and cleans up its probe file', async () => {
    const part = path.join(root, 'probe.part');
    await writeFile(part, '');
    const direct = await openDirectWrites(part, 64 * 1024, 3);
    // The test machines (Linux, ext4 /tmp) take O_DIRECT; elsewhere the Downloader falls back.
    expect(direct).toBeDefined();
    expect(direct?.blocks).toHaveLength(3);
    for (const block of direct?.blocks ?? []) {
      expect(block.view.length).toBe(64 * 1024);
      expect(block.offset).toBeGreaterThanOrEqual(0);
      expect(block.offset).toBeLessThan(DIRECT_ALIGN);
    }
    await direct?.handle.close();
    expect(await readdir(root)).not.toContain('probe.part.align');
    // No such folder: no direct writes, and no throw.
    expect(await openDirectWrites(path.join(root, 'missing', 'x.part'), 64 * 1024, 1)).toBeUndefined();
  });

  it('writes every aligned full block directly and the rest through the page cache, byte-exact (property)', async () => {
    const content = makeContent(900 * 1024 + 77, 41);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 * 1024 }),
        // Pieces of at least 1 KiB: with byte-sized pieces a block takes longer than 50 ms to
        // fill and is written early through the page cache by design (a slow link needs no DMA).
        fc.array(fc.integer({ min: 1024, max: 200 * 1024 }), { minLength: 1, maxLength: 6 }),
        async (start, pieces) => {
          const part = path.join(root, `prop-${start}.part`);
          await writeFile(part, content.subarray(0, start));
          const file = await open(part, 'r+');
          const direct = await openDirectWrites(part, 64 * 1024, 4);
          expect(direct).toBeDefined();
          const hasher = hashers.acquire(undefined);
          try {
            const writer = new BlockWriter(file, direct?.handle);
            const sink = new BlockSink(writer, hasher, start, 64 * 1024, direct?.blocks ?? [], true);
            await feed(sink, content.subarray(start), pieces);
            expect(sink.committed).toBe(content.length);
            expect(await hasher.digest()).toBe(sha256(content.subarray(start)));
            // Direct writes cover only whole aligned stretches; the first block (cut short so it ends
            // aligned) and the tail go through the page cache. With ≥ 9 aligned blocks, most go direct
            // (a block written early after a 50 ms gap on a loaded machine may also go buffered).
            const firstAligned = Math.ceil(start / DIRECT_ALIGN) * DIRECT_ALIGN;
            const alignedSpan = Math.floor((content.length - firstAligned) / DIRECT_ALIGN) * DIRECT_ALIGN;
            expect(alignedSpan).toBeGreaterThanOrEqual(9 * 64 * 1024);
            expect(sink.directBytes % DIRECT_ALIGN).toBe(0);
            expect(sink.directBytes).toBeLessThanOrEqual(alignedSpan);
            expect(sink.directBytes).toBeGreaterThan(0);
          } finally {
            hasher.release();
            await file.close();
            await direct?.handle.close();
          }
          const written = await readFile(part);
          expect(written.equals(content)).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('uses no direct writes without a direct handle', async () => {
    const content = makeContent(300 * 1024, 42);
    const part = path.join(root, 'plain.part');
    await writeFile(part, '');
    const file = await open(part, 'r+');
    const hasher = hashers.acquire(undefined);
    const sink = new BlockSink(
      new BlockWriter(file, undefined),
      hasher,
      0,
      64 * 1024,
      plainBlocks(64 * 1024, 2),
      false,
    );
    await feed(sink, content, [70_000, 3]);
    expect(sink.directBytes).toBe(0);
    expect(await hasher.digest()).toBe(sha256(content));
    hasher.release();
    await file.close();
    expect((await readFile(part)).equals(content)).toBe(true);
  });
});

describe('Downloader with direct writes', () => {
  const SIZE = 40 * 1024 * 1024 + 4097;
  const content = makeContent(SIZE, 43);
  const digest = createHash('sha256').update(content).digest('hex');
  const servers: FileServer[] = [];
  const downloaders: Downloader[] = [];
  afterEach(async () => {
    for (const downloader of downloaders.splice(0)) downloader.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it.each(['auto', 'off'] as const)(
    'resumes bodies cut at unaligned offsets into an exact file (directWrites %s)',
    async (directWrites) => {
      const server = await startFileServer(content, {
        script: [
          { kind: 'cut', after: 5_000_123 },
          { kind: 'cut', after: 12_345_679 },
        ],
        chunk: 256 * 1024,
      });
      servers.push(server);
      const downloader = new Downloader({
        proxy: false,
        breaker: false,
        retry: { delays: [10] },
        directWrites,
      });
      downloaders.push(downloader);
      const dest = path.join(root, `direct-${directWrites}`, 'model.bin');
      const result = await downloader.download({ urls: [server.url], dest, size: SIZE, sha256: digest });
      expect(result.sha256).toBe(digest);
      expect(server.requests.map((request) => request.range)).toEqual([
        undefined,
        'bytes=5000123-',
        `bytes=${5_000_123 + 12_345_679}-`,
      ]);
      expect(server.bytesServed()).toBeLessThanOrEqual(SIZE * 1.02);
      expect(await expectExactOrAbsent(dest, content)).toBe('exact');
      await expectNoTempBeside(dest);
    },
  );

  it('turns ENOSPC on a direct write into DiskFullError, keeps an exact prefix, and resumes later', async () => {
    const server = await startFileServer(content, { chunk: 256 * 1024 });
    servers.push(server);
    const dest = path.join(root, 'direct-enospc', 'model.bin');
    const probe = await open(path.join(root, 'enospc-probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const original = proto.write;
    const limit = 8 * 1024 * 1024;
    let written = 0;
    proto.write = function (this: unknown, ...args: unknown[]) {
      const length = args[2] as number;
      if (written + length > limit) {
        return Promise.reject(
          Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
        );
      }
      written += length;
      return original.apply(this, args);
    };
    const downloader = new Downloader({ proxy: false, breaker: false, retry: { delays: [10] } });
    downloaders.push(downloader);
    try {
      const error = await downloader
        .download({ urls: [server.url], dest, size: SIZE, sha256: digest })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiskFullError);
      expect(await expectExactOrAbsent(dest, content)).toBe('absent');
      const [partial] = await findPartials(dest);
      expect(partial?.bytes).toBe(limit);
    } finally {
      proto.write = original;
    }
    const result = await downloader.download({ urls: [server.url], dest, size: SIZE, sha256: digest });
    expect(result.resumed).toBe(true);
    expect(result.bytesTransferred).toBe(SIZE - limit);
    expect(await expectExactOrAbsent(dest, content)).toBe('exact');
    await expectNoTempBeside(dest);
  });

  it('rejects an unknown directWrites value', () => {
    expect(() => new Downloader({ directWrites: 'always' as 'auto' })).toThrow(ConfigurationError);
  });
});
