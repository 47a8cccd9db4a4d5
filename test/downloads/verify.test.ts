import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { partialDirFor } from '../../src/downloads/partialPath.js';
import type { DownloadRestartInfo } from '../../src/events/downloadEvents.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type Origin, type OriginBehaviour, startOrigin } from '../support/origin-server.js';

const SIZE = 2 * 1024 * 1024 + 321;
const body = makeContent(SIZE, 33);

let root: string;
let cleanup: () => Promise<void>;
const origins: Origin[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-verify-'));
});
afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const origin of origins.splice(0)) await origin.close();
  await cleanup();
});

async function serve(behave: (nth: number) => OriginBehaviour): Promise<Origin> {
  const origin = await startOrigin(new Map([['/f.bin', body]]), (_p, nth) => behave(nth));
  origins.push(origin);
  return origin;
}

function make(): Downloader {
  const downloader = new Downloader({ proxy: false, retry: { delays: [5, 10, 20] } });
  downloaders.push(downloader);
  return downloader;
}

/** Leaves `bytes` as the partial of a writer that is long gone (stale mtime, unknown pid). */
async function leaveOrphan(dest: string, bytes: Buffer): Promise<void> {
  const dir = partialDirFor(dest, { root });
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'ffffffff-1-dead.part');
  await writeFile(file, bytes);
  const old = new Date(Date.now() - 3_600_000);
  await utimes(file, old, old);
}

describe('Downloader verifies before placing', () => {
  it('a resumed prefix from an earlier run that fails the checksum is fetched again from byte 0', async () => {
    const dest = path.join(root, 'f.bin');
    // An earlier run kept the first MiB, with one byte silently wrong (a disk or a lying mirror).
    const kept = Buffer.from(body.subarray(0, 1024 * 1024));
    kept[4096] = (kept[4096] as number) ^ 0x01;
    await leaveOrphan(dest, kept);
    const server = await serve(() => ({ kind: 'normal' }));
    const downloader = make();
    const restarts: DownloadRestartInfo[] = [];
    downloader.on('download:restart', (info) => restarts.push(info));
    const result = await downloader.download({
      urls: [`${server.base}/f.bin`],
      dest,
      size: SIZE,
      sha256: sha256(body),
      root,
    });
    expect(result.sha256).toBe(sha256(body));
    expect(await expectExactOrAbsent(dest, body)).toBe('exact');
    expect(restarts.map((r) => r.reason)).toEqual(['resumed-checksum-mismatch']);
    // The rest after the kept prefix, then the whole file once more.
    expect(server.bytesFor('/f.bin')).toBe(SIZE - kept.length + SIZE);
    expect(server.requestsFor('/f.bin')).toBe(2);
  });

  it('a size-only download whose body ends cleanly but short never places a truncated file', async () => {
    const dest = path.join(root, 'f.bin');
    const server = await serve((nth) =>
      nth === 0 ? { kind: 'short-close', after: SIZE / 2 } : { kind: 'normal' },
    );
    const downloader = make();
    // No sha256: the size is the only check there is.
    const result = await downloader.download({ urls: [`${server.base}/f.bin`], dest, size: SIZE, root });
    expect(result.bytes).toBe(SIZE);
    expect(await expectExactOrAbsent(dest, body)).toBe('exact');
    expect(server.requestsFor('/f.bin')).toBe(2);
  });
});
