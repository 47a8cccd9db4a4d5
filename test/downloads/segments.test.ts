import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions, DownloadRequest } from '../../src/downloads/options.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import type {
  DownloadConnectionsInfo,
  DownloadEvents,
  DownloadProgress,
} from '../../src/events/downloadEvents.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import {
  type Origin,
  type OriginBehaviour,
  type OriginOptions,
  type OriginPlan,
  startOrigin,
} from '../support/origin-server.js';

const KiB = 1024;
const CHUNK = 256 * KiB;
const SIZE = 16 * CHUNK + 12_345;
const content = makeContent(SIZE, 61);
const digest = sha256(content);
const FILE = '/m/model.bin';
const NORMAL: OriginBehaviour = { kind: 'normal' };

let root: string;
let cleanup: () => Promise<void>;
const origins: Origin[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-seg-'));
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const origin of origins.splice(0)) await origin.close();
  await cleanup();
});

/** A loopback origin serving FILE (and `extra` files), paced at ~16 MB/s per connection. */
async function origin(
  plan: OriginPlan = () => NORMAL,
  options: OriginOptions = {},
  extra: [string, Buffer][] = [],
): Promise<Origin> {
  const files = new Map([[FILE, content], ...extra]);
  const started = await startOrigin(files, plan, { chunk: 16 * KiB, delayMs: 1, ...options });
  origins.push(started);
  return started;
}

function make(options: DownloaderOptions = {}) {
  const downloader = new Downloader({
    chunkSize: CHUNK,
    segmentMinSize: 1024 * KiB,
    blockSize: 64 * KiB,
    retry: { delays: [10, 20, 40] },
    proxy: false,
    ...options,
  });
  downloaders.push(downloader);
  const connections: DownloadConnectionsInfo[] = [];
  const progress: DownloadProgress[] = [];
  const restarts: DownloadEvents['download:restart'][] = [];
  downloader.on('download:connections', (event) => connections.push(event));
  downloader.on('download:progress', (event) => progress.push(event));
  downloader.on('download:restart', (event) => restarts.push(event));
  return { downloader, connections, progress, restarts };
}

const dest = (name = 'model.bin') => path.join(root, 'models', name);

function request(server: Origin, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return { urls: [`${server.base}${FILE}`], dest: dest(), size: SIZE, sha256: digest, root, ...extra };
}

/** The range a request asked for, as [start, end] (end inclusive), or undefined without Range. */
function rangeOf(request: { headers: Readonly<Record<string, string>> }): [number, number] | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  return match ? [Number(match[1]), match[2] ? Number(match[2]) : SIZE - 1] : undefined;
}

/** Whether a request is a chunk request (bounded range) starting at `start`. */
const chunkAt = (request: { headers: Readonly<Record<string, string>> }, start: number) => {
  const range = rangeOf(request);
  return range !== undefined && range[0] === start && range[1] < SIZE - 1;
};

const bounded = (server: Origin) =>
  server.requests.filter((r) => r.path === FILE && (rangeOf(r)?.[1] ?? SIZE - 1) < SIZE - 1);

describe('segmented downloads', () => {
  it('splits a large file over several connections, hashes it once and places it bit-exact', async () => {
    const server = await origin();
    const { downloader, connections, progress } = make();
    const result = await downloader.download(request(server));
    expect(result.sha256).toBe(digest);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
    expect(connections[0]).toMatchObject({ change: 'split', chunkSize: CHUNK });
    expect(server.peakInFlight()).toBeGreaterThan(1);
    expect(Math.max(...progress.map((p) => p.connections))).toBeGreaterThan(1);
    // The first request asks for the first chunk only (a 206 proves ranges work); the rest are
    // chunks with If-Range.
    expect(server.requests[0]?.headers.range).toBe(`bytes=0-${CHUNK - 1}`);
    expect(bounded(server).length).toBeGreaterThanOrEqual(10);
    for (const chunk of bounded(server).slice(1)) expect(chunk.headers['if-range']).toMatch(/^"/);
    // Every request asked for one chunk: not a byte too many.
    expect(server.bytesFor(FILE)).toBe(SIZE);
    expect(await findPartials(dest(), { root })).toEqual([]);
  });

  it('uses one connection with connectionsPerFile 1 (option or request) and below segmentMinSize', async () => {
    const server = await origin();
    const single = make({ connectionsPerFile: 1 });
    await single.downloader.download(request(server));
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.range).toBeUndefined();
    const perRequest = make();
    await perRequest.downloader.download(request(server, { dest: dest('b.bin'), connectionsPerFile: 1 }));
    expect(server.requests).toHaveLength(2);
    expect(perRequest.connections).toEqual([]);
    const small = make({ segmentMinSize: SIZE + 1 });
    await small.downloader.download(request(server, { dest: dest('c.bin') }));
    expect(server.requests).toHaveLength(3);
    expect(small.connections).toEqual([]);
    expect((await readFile(dest('c.bin'))).equals(content)).toBe(true);
  });

  it('segments a file of unknown size once a 200 announces its size and Accept-Ranges', async () => {
    const server = await origin();
    const { downloader, connections } = make();
    const result = await downloader.download({ urls: [`${server.base}${FILE}`], dest: dest(), root });
    expect(result.sha256).toBe(digest);
    expect(server.requests[0]?.headers.range).toBeUndefined();
    expect(connections[0]?.change).toBe('split');
    expect(bounded(server).length).toBeGreaterThan(4);
  });

  it('rejects bad connection options with ConfigurationError', async () => {
    expect(() => new Downloader({ connectionsPerFile: 0 })).toThrow(ConfigurationError);
    expect(() => new Downloader({ connectionsPerFile: 33 })).toThrow(ConfigurationError);
    expect(() => new Downloader({ connectionsPerOrigin: 0 })).toThrow(ConfigurationError);
    expect(() => new Downloader({ chunkSize: 100_000 })).toThrow(ConfigurationError);
    expect(() => new Downloader({ segmentMinSize: 0 })).toThrow(ConfigurationError);
    const { downloader } = make();
    await expect(
      downloader.download({ urls: ['http://127.0.0.1:9/x'], dest: dest(), connectionsPerFile: 1.5 }),
    ).rejects.toThrow(ConfigurationError);
  });

  it('continues a chunk whose connection was cut with a Range from where it stopped', async () => {
    const start = 5 * CHUNK;
    let cut = false;
    const server = await origin((_, __, req) => {
      if (!cut && chunkAt(req, start)) {
        cut = true;
        return { kind: 'cut', after: 100_000 };
      }
      return NORMAL;
    });
    const { downloader } = make();
    const result = await downloader.download(request(server));
    expect(result.sha256).toBe(digest);
    const resumed = server.requests
      .map(rangeOf)
      .filter((range) => range && range[0] > start && range[0] < start + CHUNK);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.[1]).toBe(start + CHUNK - 1);
    // Bytes in flight when the connection was reset are lost and fetched again.
    expect(server.bytesFor(FILE)).toBeLessThanOrEqual(SIZE + 100_000 + 4 * 16 * KiB);
  });

  it('goes on when the first stream is cut: its chunk is continued with a bounded request', async () => {
    const server = await origin((_, nth) => (nth === 0 ? { kind: 'cut', after: 40_000 } : NORMAL));
    const { downloader } = make();
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    // Its chunk goes on with a bounded request (from where it was cut, or from 0 if the reset
    // dropped the bytes before they were read); no open-ended request at all.
    const continued = server.requests
      .slice(1)
      .map(rangeOf)
      .find((range) => range && range[0] < CHUNK);
    expect(continued?.[1]).toBe(CHUNK - 1);
    expect(server.requests.filter((r) => /^bytes=\d+-$/.test(r.headers.range ?? ''))).toHaveLength(0);
  });

  it('retries a chunk answered 200 instead of 206 once ranges are proven, without giving up segments', async () => {
    let ignored = false;
    const server = await origin((_, __, req) => {
      if (!ignored && chunkAt(req, 9 * CHUNK)) {
        ignored = true;
        return { kind: 'ignore-range' };
      }
      return NORMAL;
    });
    const { downloader, connections } = make();
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    expect(server.requests.filter((r) => chunkAt(r, 9 * CHUNK))).toHaveLength(2);
    expect(connections.map((c) => c.change)).not.toContain('single');
  });

  it('falls back to the first stream alone when the first chunk request gets a 200, and says so', async () => {
    const server = await origin((_, __, req) => {
      const range = rangeOf(req);
      return range && range[1] < SIZE - 1 ? { kind: 'ignore-range' } : NORMAL;
    });
    const { downloader, connections } = make();
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    expect(connections.find((c) => c.change === 'single')).toMatchObject({
      reason: 'range-ignored',
      connections: 1,
    });
    // Only the first request and the probes were bounded; the first (200) stream carried the file.
    expect(bounded(server).length).toBeLessThanOrEqual(4);
    expect(server.requests.length).toBeLessThanOrEqual(4);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
  });

  it('discards a chunk answer whose Content-Range names the wrong offset and asks again', async () => {
    let shifted = false;
    const server = await origin((_, __, req) => {
      if (!shifted && chunkAt(req, 11 * CHUNK)) {
        shifted = true;
        return { kind: 'wrong-content-range', shift: 4096 };
      }
      return NORMAL;
    });
    const { downloader, connections } = make();
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    expect(server.requests.filter((r) => chunkAt(r, 11 * CHUNK))).toHaveLength(2);
    expect(connections.map((c) => c.change)).not.toContain('single');
  });

  it('sheds connections when the mirror answers 429 once four are open, and still finishes', async () => {
    let server: Origin | undefined;
    let limited = 0;
    server = await origin((_, __, req) => {
      if ((server?.inFlight() ?? 0) >= 4 && rangeOf(req)) {
        limited++;
        return { kind: 'status', status: 429, headers: { 'Retry-After': '1' } };
      }
      return NORMAL;
    });
    const { downloader, connections } = make({ connectionsPerFile: 8 });
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    const shed = connections.find((c) => c.change === 'shed');
    expect(shed).toMatchObject({ reason: 'HTTP 429', retryAfterMs: 1000 });
    expect(shed?.connections).toBeLessThanOrEqual(2);
    expect(limited).toBeGreaterThanOrEqual(1);
    expect(limited).toBeLessThanOrEqual(3);
    // Never more than the one 429 over three working connections.
    expect(server.peakInFlight()).toBeLessThanOrEqual(4);
    // Nothing was added after the shed.
    expect(
      connections.slice(connections.indexOf(shed as DownloadConnectionsInfo)).map((c) => c.change),
    ).not.toContain('added');
  });

  it('catches a corrupt chunk with the final hash and fetches the file again from the next mirror', async () => {
    const bad = await origin((_, __, req) =>
      chunkAt(req, 7 * CHUNK) ? { kind: 'flip', index: 7 * CHUNK + 5 } : NORMAL,
    );
    const good = await origin();
    const { downloader } = make();
    const failovers: DownloadEvents['download:mirror-failover'][] = [];
    downloader.on('download:mirror-failover', (event) => failovers.push(event));
    const result = await downloader.download(
      request(bad, { urls: [`${bad.base}${FILE}`, `${good.base}${FILE}`] }),
    );
    expect(result.sha256).toBe(digest);
    expect(result.url).toContain(good.base);
    expect(failovers[0]).toMatchObject({ category: 'corruption', demoted: true });
    // Without per-chunk hashes the bad chunk is unknown: the whole file comes again.
    expect(good.bytesFor(FILE)).toBeGreaterThanOrEqual(SIZE);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
  });

  it('with one mirror, a chunk served corrupt once costs one more full pass on that mirror', async () => {
    let flipped = false;
    const server = await origin((_, __, req) => {
      if (!flipped && chunkAt(req, 3 * CHUNK)) {
        flipped = true;
        return { kind: 'flip', index: 3 * CHUNK + 77 };
      }
      return NORMAL;
    });
    const { downloader } = make();
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    expect(server.bytesFor(FILE)).toBeGreaterThanOrEqual(2 * SIZE);
    expect(server.bytesFor(FILE)).toBeLessThanOrEqual(2 * SIZE + 8 * 16 * KiB);
  });

  it('starts over when a chunk answer shows the file changed on the server', async () => {
    let changed = false;
    const server = await origin((_, __, req) => {
      if (!changed && chunkAt(req, 6 * CHUNK)) {
        changed = true;
        return { kind: 'changed' };
      }
      return NORMAL;
    });
    const { downloader, restarts } = make();
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    expect(restarts.map((r) => r.reason)).toContain('validator-changed');
  });

  it('continues a stalled chunk connection from where it stalled', async () => {
    let stalled = false;
    const server = await origin((_, __, req) => {
      if (!stalled && chunkAt(req, 4 * CHUNK)) {
        stalled = true;
        return { kind: 'stall', after: 30_000 };
      }
      return NORMAL;
    });
    const { downloader } = make({ stallTimeout: 300 });
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    const resumed = server.requests.map(rangeOf).filter((r) => r && r[0] > 4 * CHUNK && r[0] < 5 * CHUNK);
    expect(resumed).toHaveLength(1);
  });

  it('rides out 503s on some chunk requests without failing the file or opening the breaker', async () => {
    const refused = new Set<number>();
    const server = await origin((_, __, req) => {
      const range = rangeOf(req);
      if (
        range &&
        range[1] < SIZE - 1 &&
        range[0] >= 2 * CHUNK &&
        range[0] <= 5 * CHUNK &&
        !refused.has(range[0])
      ) {
        refused.add(range[0]);
        return { kind: 'status', status: 503 };
      }
      return NORMAL;
    });
    const { downloader } = make({ breaker: { consecutiveFailures: 2 } });
    expect((await downloader.download(request(server))).sha256).toBe(digest);
    const breaker = CircuitBreaker.registry().find((b) => b.name === `download:${server.base}`);
    expect(breaker?.state).toBe('closed');
  });

  it('pauses and resumes: only the missing ranges are fetched again', async () => {
    const server = await origin(() => NORMAL, { chunk: 8 * KiB, delayMs: 2 });
    const { downloader } = make();
    const controller = new AbortController();
    const first = downloader.download(request(server), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytes > SIZE / 2) controller.abort();
      },
    });
    await expect(first).rejects.toMatchObject({ name: 'CancelledError' });
    const kept = await findPartials(dest(), { root });
    expect(kept).toHaveLength(1);
    const meta = JSON.parse(await readFile(kept[0]?.path.replace(/\.part$/, '.json') as string, 'utf8'));
    expect(Array.isArray(meta.segments)).toBe(true);
    // A segmented partial reports the bytes its ranges hold, not its length on disk.
    const held = (meta.segments as [number, number][]).reduce((sum, [a, b]) => sum + b - a, 0);
    expect(kept[0]?.bytes).toBe(held);
    const servedBefore = server.bytesFor(FILE);
    const result = await downloader.download(request(server));
    expect(result.sha256).toBe(digest);
    expect(result.resumed).toBe(true);
    expect(result.bytesTransferred).toBeLessThanOrEqual(SIZE - held + 4 * 16 * KiB);
    expect(server.bytesFor(FILE) - servedBefore).toBeLessThan(SIZE - held / 2);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
  });

  it('goes on with one stream from the kept prefix when the next run asks for one connection', async () => {
    const server = await origin(() => NORMAL, { chunk: 8 * KiB, delayMs: 2 });
    const { downloader } = make();
    const controller = new AbortController();
    await downloader
      .download(request(server), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytes > SIZE / 2) controller.abort();
        },
      })
      .catch(() => undefined);
    const before = server.requests.length;
    const result = await downloader.download(request(server, { connectionsPerFile: 1 }));
    expect(result.sha256).toBe(digest);
    const later = server.requests.slice(before);
    // One open-ended request from the end of the written prefix; chunks beyond it are fetched again.
    expect(later).toHaveLength(1);
    expect(later[0]?.headers.range).toMatch(/^bytes=\d+-$/);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
  });

  it("shares connectionsPerOrigin between files on one origin (a file's first connection is never refused)", async () => {
    const other = makeContent(SIZE, 62);
    const server = await origin(() => NORMAL, {}, [['/m/other.bin', other]]);
    const { downloader } = make({ connectionsPerOrigin: 3 });
    await Promise.all([
      downloader.download(request(server)),
      downloader.download({
        urls: [`${server.base}/m/other.bin`],
        dest: dest('other.bin'),
        size: SIZE,
        sha256: sha256(other),
        root,
      }),
    ]);
    // The budget, plus the second file's first connection until the first file sheds to its share.
    expect(server.peakInFlight()).toBeLessThanOrEqual(3 + 1);
    expect((await readFile(dest('other.bin'))).equals(other)).toBe(true);
  });

  it('keeps the sum of all connections under bandwidthLimit', async () => {
    const server = await origin(() => NORMAL, { chunk: 64 * KiB, delayMs: 0 });
    const { downloader, progress } = make({ bandwidthLimit: 2_000_000 });
    const started = performance.now();
    await downloader.download(request(server));
    // 4.2 MB through a 2 MB/s bucket with a 200 kB burst cannot take less than ~2 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Math.max(...progress.map((p) => p.connections))).toBeGreaterThan(1);
  });

  it('sends chunk requests straight to where the mirror redirected, without its credentials', async () => {
    const cdn = await origin();
    const hub = await origin(() => ({ kind: 'redirect', location: `${cdn.base}${FILE}` }));
    const { downloader } = make({ headers: { authorization: 'Bearer hf_segmentsecret' } });
    expect((await downloader.download(request(hub))).sha256).toBe(digest);
    expect(hub.requests).toHaveLength(1);
    expect(hub.requests[0]?.headers.authorization).toBe('Bearer hf_segmentsecret');
    expect(bounded(cdn).length).toBeGreaterThan(4);
    for (const seen of cdn.requests) expect(seen.headers.authorization).toBeUndefined();
  });
});
