import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import { RequestLimitError } from '../../src/errors/RequestLimitError.js';
import { RetriesExhaustedError } from '../../src/errors/RetriesExhaustedError.js';
import { ShortBodyError } from '../../src/errors/ShortBodyError.js';
import { StallError } from '../../src/errors/StallError.js';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type Origin, type OriginBehaviour, startOrigin } from '../support/origin-server.js';

const SIZE = 1024 * 1024 + 17;
const body = makeContent(SIZE, 21);
const files = new Map([['/f.bin', body]]);

let root: string;
let cleanup: () => Promise<void>;
const origins: Origin[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-bounds-'));
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const origin of origins.splice(0)) await origin.close();
  await cleanup();
});

async function mirror(behave: (nth: number) => OriginBehaviour): Promise<Origin> {
  const started = await startOrigin(files, (_path, nth) => behave(nth));
  origins.push(started);
  return started;
}

function make(options: DownloaderOptions = {}): { downloader: Downloader; events: { name: string }[] } {
  const downloader = new Downloader({ retry: { delays: [5, 10, 20] }, proxy: false, ...options });
  downloaders.push(downloader);
  const events: { name: string }[] = [];
  for (const name of ['download:retry', 'download:mirror-failover'] as (keyof DownloadEvents)[]) {
    downloader.on(name, (payload: object) => events.push({ name, ...payload }));
  }
  return { downloader, events };
}

const dest = () => path.join(root, 'f.bin');
const request = (urls: string[]) => ({ urls, dest: dest(), size: SIZE, sha256: sha256(body), root });
const realCause = (error: unknown) => (error instanceof RetriesExhaustedError ? error.cause : error);

describe('Downloader: every loop has a progress check and a bound', () => {
  for (const kind of ['short-chunked', 'short-close'] as const) {
    it(`a mirror whose ${kind} body ends cleanly with no bytes costs its retries, then the next mirror serves`, async () => {
      const bad = await mirror(() => ({ kind, after: 0 }));
      const good = await mirror(() => ({ kind: 'normal' }));
      const { downloader } = make();
      const result = await downloader.download(request([`${bad.base}/f.bin`, `${good.base}/f.bin`]));
      expect(result.url).toBe(`${good.base}/f.bin`);
      // One retry cycle: the first request and three retries, never a request loop.
      expect(bad.requestsFor('/f.bin')).toBe(4);
      expect(good.requestsFor('/f.bin')).toBe(1);
      expect(await expectExactOrAbsent(dest(), body)).toBe('exact');
    });
  }

  it('with that mirror alone the download fails with ShortBodyError after its retries', async () => {
    const bad = await mirror(() => ({ kind: 'short-chunked', after: 0 }));
    const { downloader } = make();
    const error = await downloader.download(request([`${bad.base}/f.bin`])).catch((e: unknown) => e);
    expect(realCause(error)).toBeInstanceOf(ShortBodyError);
    expect(bad.requestsFor('/f.bin')).toBe(4);
    expect(await expectExactOrAbsent(dest(), body)).toBe('absent');
  });

  it('short bodies that do bring bytes are resumed until the file is complete', async () => {
    const chunky = await mirror(() => ({ kind: 'short-chunked', after: 200 * 1024 }));
    const { downloader } = make();
    const result = await downloader.download(request([`${chunky.base}/f.bin`]));
    expect(result.bytes).toBe(SIZE);
    expect(chunky.requestsFor('/f.bin')).toBe(Math.ceil(SIZE / (200 * 1024)));
    expect(chunky.bytesFor('/f.bin')).toBe(SIZE);
  });

  it('a trickle just inside the stall timeout ends as a slow StallError and fails over, keeping its bytes', async () => {
    const trickle = await mirror(() => ({ kind: 'trickle', everyMs: 20 }));
    const good = await mirror(() => ({ kind: 'normal' }));
    const { downloader, events } = make({ stallTimeout: 1000, minRate: 10_240, minRateWindow: 400 });
    const result = await downloader.download(request([`${trickle.base}/f.bin`, `${good.base}/f.bin`]));
    expect(result.url).toBe(`${good.base}/f.bin`);
    const failover = events.find((e) => e.name === 'download:mirror-failover') as
      | { message: string }
      | undefined;
    expect(failover?.message).toMatch(/too slow/);
    // The trickled bytes were kept: the good mirror was asked for the rest only (the trickle's
    // count may include a byte written as the client hung up).
    expect(result.resumed).toBe(true);
    expect(good.bytesFor('/f.bin')).toBeLessThan(SIZE);
    expect(good.bytesFor('/f.bin') + trickle.bytesFor('/f.bin')).toBeGreaterThanOrEqual(SIZE);
  });

  it('a lone trickling mirror ends with StallError (slow) instead of running forever', async () => {
    const trickle = await mirror(() => ({ kind: 'trickle', everyMs: 20 }));
    const { downloader } = make({
      stallTimeout: 1000,
      minRate: 10_240,
      minRateWindow: 200,
      retry: { retries: 1, delays: [5] },
    });
    const error = await downloader.download(request([`${trickle.base}/f.bin`])).catch((e: unknown) => e);
    const cause = realCause(error);
    expect(cause).toBeInstanceOf(StallError);
    expect((cause as StallError).slow?.minRate).toBe(10_240);
    // Pass one fails over at once (a second pass is left); pass two spends its one retry.
    expect(trickle.requestsFor('/f.bin')).toBe(3);
  });

  it('bodies cut after a few bytes each time end at maxRequestsPerFile with RequestLimitError', async () => {
    const cutter = await mirror(() => ({ kind: 'cut', after: 1024 }));
    const { downloader } = make({ maxRequestsPerFile: 20 });
    const error = await downloader.download(request([`${cutter.base}/f.bin`])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestLimitError);
    expect((error as RequestLimitError).limit).toBe(20);
    expect((error as RequestLimitError).message).toMatch(/20 requests/);
    expect(cutter.requestsFor('/f.bin')).toBe(20);
    // The bytes that did arrive are kept for the next run.
    expect(await expectExactOrAbsent(dest(), body)).toBe('absent');
  });

  it('the default request limit grows with the file size', async () => {
    const { requestLimitFor, resolveDownloaderOptions } = await import('../../src/downloads/options.js');
    const options = resolveDownloaderOptions({});
    expect(requestLimitFor(options, undefined)).toBe(1000);
    expect(requestLimitFor(options, 0)).toBe(100);
    expect(requestLimitFor(options, 8 * 1024 * 1024)).toBe(101);
    expect(requestLimitFor(options, 8 * 1024 * 1024 + 1)).toBe(102);
    expect(requestLimitFor(resolveDownloaderOptions({ maxRequestsPerFile: 7 }), 1e12)).toBe(7);
    expect(() => resolveDownloaderOptions({ maxRequestsPerFile: 0 })).toThrow(/maxRequestsPerFile/);
    expect(() => resolveDownloaderOptions({ minRate: -1 })).toThrow(/minRate/);
    expect(() => resolveDownloaderOptions({ timeouts: {} as never })).toThrow(/timeouts/);
  });
});
