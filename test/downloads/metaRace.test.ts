import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWriterId } from '../../src/downloads/claim.js';
import { Downloader } from '../../src/downloads/Downloader.js';
import { HasherPool } from '../../src/downloads/hashWorker.js';
import { PartialFile } from '../../src/downloads/partialFile.js';
import { partialDirFor } from '../../src/downloads/partialPath.js';
import type { PartialMeta } from '../../src/downloads/rangeResume.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';

const SIZE = 256 * 1024;
const content = makeContent(SIZE, 21);
const digest = sha256(content);

let root: string;
let cleanup: () => Promise<void>;
let server: http.Server;
let url: string;
/** Where the next full answer is cut (body bytes sent before the socket is destroyed). */
let cutAfter = 1;
let served = 0;

/**
 * A full answer (200, ETag + Last-Modified) is cut right after its head and `cutAfter` body bytes;
 * the resumed range request gets a 206 with the same strong ETag but a newer Last-Modified, so the
 * Downloader stores other validators while the first meta write may still be in flight.
 */
beforeAll(async () => {
  ({ root, cleanup } = await tempRoot('wan-meta-'));
  server = http.createServer((req, res) => {
    served++;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const headers = { 'accept-ranges': 'bytes', etag: '"v1"' };
    if (range && req.headers['if-range'] === '"v1"') {
      const start = Number(range[1]);
      res.writeHead(206, {
        ...headers,
        'last-modified': new Date(Date.UTC(2024, 0, 1, 0, 0, served)).toUTCString(),
        'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}`,
        'content-length': SIZE - start,
      });
      res.end(content.subarray(start));
      return;
    }
    res.writeHead(200, {
      ...headers,
      'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT',
      'content-length': SIZE,
    });
    res.write(content.subarray(0, cutAfter), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.bin`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await cleanup();
});

describe('meta file writes of one partial', () => {
  it('a body cut right after its head, then a 206 with other validators: never ENOENT on the meta temp file', async () => {
    const downloader = new Downloader({ proxy: false, breaker: false, retry: { retries: 0 } });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4096 }), async (cut) => {
          cutAfter = cut;
          const dest = path.join(root, `run-${run++}`, 'file.bin');
          const result = await downloader.download({ urls: [url], dest, size: SIZE, sha256: digest, root });
          expect(result.sha256).toBe(digest);
          expect(result.resumed).toBe(true);
          expect(await expectExactOrAbsent(dest, content)).toBe('exact');
        }),
        { numRuns: 120 },
      );
      // Nothing left behind: no meta, no temp file, no work folder.
      expect(await readdir(root)).not.toContain('.wan-reliability');
    } finally {
      await downloader.close();
    }
  }, 120_000);

  it('serializes writes and the latest validators win, even when three are started at once', async () => {
    const dir = path.join(root, 'serial');
    await mkdir(dir, { recursive: true });
    await using hashers = new HasherPool(1);
    for (let round = 0; round < 50; round++) {
      const partial = await PartialFile.open({
        partPath: path.join(dir, `w${round}.part`),
        metaPath: path.join(dir, `w${round}.json`),
        adopted: false,
        dir,
        dest: path.join(dir, 'dest.bin'),
        size: undefined,
        sha256: undefined,
        hashers,
        blockSize: 64 * 1024,
        directWrites: 'off',
        onRestart: () => {},
      });
      const meta = (n: number): PartialMeta => ({ version: 1, urlKey: 'k', etag: `"e${n}"`, total: 10 });
      const writes = [partial.remember(meta(1)), partial.remember(meta(2)), partial.remember(meta(3))];
      await Promise.all(writes);
      const stored = JSON.parse(await readFile(partial.metaPath, 'utf8')) as PartialMeta;
      expect(stored.etag).toBe('"e3"');
      await partial.close(false);
    }
    // Only the partials and their meta files: no temp file survived.
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('temp files a crashed writer left beside its meta are removed when its partial is adopted or discarded', async () => {
    const dest = path.join(root, 'crashed', 'file.bin');
    const dir = partialDirFor(dest, { root });
    await mkdir(dir, { recursive: true });
    const big = newWriterId();
    const small = newWriterId();
    await writeFile(path.join(dir, `${big}.part`), content.subarray(0, 4096));
    await writeFile(path.join(dir, `${big}.json`), '{}');
    await writeFile(path.join(dir, `.${big}.json.4242.0badcafe.tmp`), '{"version":1');
    await writeFile(path.join(dir, `${small}.part`), content.subarray(0, 10));
    await writeFile(path.join(dir, `.${small}.json.4242.deadbeef.tmp`), '');
    const downloader = new Downloader({ proxy: false, breaker: false });
    try {
      cutAfter = SIZE;
      const result = await downloader.download({ urls: [url], dest, size: SIZE, sha256: digest, root });
      expect(result.sha256).toBe(digest);
    } finally {
      await downloader.close();
    }
    expect(await readdir(dir).catch(() => 'gone')).toBe('gone');
  });
});
