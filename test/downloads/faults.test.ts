import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { AuthenticationError } from '../../src/errors/AuthenticationError.js';
import { HttpError } from '../../src/errors/HttpError.js';
import { RedirectError } from '../../src/errors/RedirectError.js';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';
import {
  DOWNLOAD_EVENT_NAMES,
  expectExactOrAbsent,
  expectNoTempBeside,
  tempRoot,
} from '../support/download-helpers.js';
import {
  type FileServer,
  type FileServerOptions,
  makeContent,
  sha256,
  startFileServer,
} from '../support/download-server.js';

const SIZE = 3 * 1024 * 1024 + 123;
const content = makeContent(SIZE, 7);
const digest = sha256(content);

let root: string;
let cleanup: () => Promise<void>;
const servers: FileServer[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot());
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const server of servers.splice(0)) await server.close();
  await cleanup();
});

async function serve(options: FileServerOptions = {}, body = content): Promise<FileServer> {
  const server = await startFileServer(body, options);
  servers.push(server);
  return server;
}

function make(options: DownloaderOptions = {}): { downloader: Downloader; events: unknown[] } {
  const downloader = new Downloader({
    retry: { delays: [20, 40, 80] },
    breaker: false,
    proxy: false,
    ...options,
  });
  downloaders.push(downloader);
  const events: unknown[] = [];
  const names: (keyof DownloadEvents)[] = [...DOWNLOAD_EVENT_NAMES];
  for (const name of names) downloader.on(name, (payload: object) => events.push({ name, ...payload }));
  return { downloader, events };
}

function dest(name = 'model.bin'): string {
  return path.join(root, 'model', name);
}

async function expectDone(file: string): Promise<void> {
  expect(await expectExactOrAbsent(file, content)).toBe('exact');
  await expectNoTempBeside(file);
  expect(await findPartials(file, { root })).toEqual([]);
}

describe('Downloader against misbehaving servers', () => {
  it('downloads a file and verifies size and sha256', async () => {
    const server = await serve();
    const { downloader } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result).toMatchObject({
      bytes: SIZE,
      bytesTransferred: SIZE,
      sha256: digest,
      url: server.url,
      attempts: 1,
      resumed: false,
    });
    await expectDone(dest());
  });

  it('resumes cut bodies with Range, serving ≤ 1.02× the file', async () => {
    const quarter = Math.floor(SIZE / 4);
    const server = await serve({
      script: [
        { kind: 'cut', after: quarter },
        { kind: 'cut', after: quarter },
        { kind: 'cut', after: quarter },
      ],
    });
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.resumed).toBe(true);
    expect(server.requests.map((r) => r.range)).toEqual([
      undefined,
      `bytes=${quarter}-`,
      `bytes=${2 * quarter}-`,
      `bytes=${3 * quarter}-`,
    ]);
    // Each resume carries If-Range with the ETag seen first.
    expect(server.requests[1]?.headers['if-range']).toMatch(/^"/);
    expect(server.bytesServed()).toBeLessThanOrEqual(SIZE * 1.02);
    expect(events.some((e) => (e as { name: string }).name === 'download:resume')).toBe(true);
    await expectDone(dest());
  });

  it('restarts from zero when a range request gets a 200', async () => {
    const server = await serve({ script: [{ kind: 'cut', after: 1_000_000 }, { kind: 'ignore-range' }] });
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.sha256).toBe(digest);
    expect(server.requests[1]?.range).toBe('bytes=1000000-');
    expect(server.requests[1]?.status).toBe(200);
    expect(events).toContainEqual(
      expect.objectContaining({ name: 'download:restart', reason: 'range-ignored' }),
    );
    await expectDone(dest());
  });

  it('gives up on a mirror that ignores Range and cuts every body, and uses the next one', async () => {
    const bad = await serve({ fallback: { kind: 'ignore-range', cutAfter: 700_000 } });
    const good = await serve();
    const { downloader } = make();
    const result = await downloader.download({
      urls: [bad.url, good.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.url).toBe(good.url);
    expect(bad.requests.length).toBeLessThanOrEqual(12);
    await expectDone(dest());
    const alone = await downloader
      .download({ urls: [bad.url], dest: dest('alone.bin'), size: SIZE, sha256: digest, root })
      .catch((e: unknown) => e);
    expect(alone).toMatchObject({ code: 'ERR_RESUME' });
    expect(await expectExactOrAbsent(dest('alone.bin'), content)).toBe('absent');
  });

  it('refetches from zero when the Content-Range does not match the request', async () => {
    const server = await serve({
      script: [
        { kind: 'cut', after: 500_000 },
        { kind: 'wrong-content-range', shift: 1000 },
      ],
    });
    const { downloader, events } = make();
    await downloader.download({ urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root });
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=500000-', undefined]);
    expect(events).toContainEqual(
      expect.objectContaining({ name: 'download:restart', reason: 'bad-content-range' }),
    );
    await expectDone(dest());
  });

  it('treats 416 on a complete partial as complete (no size given) and verifies it', async () => {
    // A first run is cut when everything but the end arrived; the partial is then completed by a
    // run that is killed before its rename (simulated by a second cut at the very end).
    const server = await serve({ script: [{ kind: 'cut', after: SIZE }] });
    const { downloader } = make();
    // The cut after SIZE bytes sends the whole body then drops the socket: depending on timing the
    // body is complete; either way the partial then holds all bytes or the download is done.
    await downloader.download({ urls: [server.url], dest: dest(), sha256: digest, root });
    await expectDone(dest());

    // Now a real 416: a partial holding the whole file left behind by a dead writer.
    const { root: other, cleanup: cleanupOther } = await tempRoot();
    try {
      const target = path.join(other, 'm', 'f.bin');
      await leaveOrphan(target, other, content);
      const server2 = await serve({ script: [] });
      const { downloader: d2 } = make();
      const result = await d2.download({ urls: [server2.url], dest: target, sha256: digest, root: other });
      expect(server2.requests.map((r) => [r.range, r.status])).toEqual([[`bytes=${SIZE}-`, 416]]);
      expect(result).toMatchObject({ bytesTransferred: 0, resumed: true, sha256: digest });
      expect(await expectExactOrAbsent(target, content)).toBe('exact');
      await expectNoTempBeside(target);
    } finally {
      await cleanupOther();
    }
  });

  it('restarts when a 416 says the partial is not the whole file', async () => {
    const target = dest();
    await leaveOrphan(target, root, content.subarray(0, 1000));
    const server = await serve({ script: [{ kind: '416' }] });
    const { downloader } = make();
    await downloader.download({ urls: [server.url], dest: target, sha256: digest, root });
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      ['bytes=1000-', 416],
      [undefined, 200],
    ]);
    await expectDone(target);
  });

  it('waits Retry-After (seconds) on 429 and resumes after progress', async () => {
    const server = await serve({
      script: [
        { kind: 'cut', after: 200_000 },
        { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      ],
    });
    const { downloader, events } = make();
    const started = Date.now();
    await downloader.download({ urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=200000-', 'bytes=200000-']);
    expect(events).toContainEqual(
      expect.objectContaining({
        name: 'download:retry',
        category: 'rate_limit',
        delayMs: 1000,
        serverDirected: true,
      }),
    );
    await expectDone(dest());
  });

  it('waits Retry-After given as an HTTP-date on 429', async () => {
    const when = new Date(Date.now() + 1500).toUTCString();
    const server = await serve({
      script: [{ kind: 'status', status: 429, headers: { 'retry-after': when } }],
    });
    const { downloader, events } = make();
    await downloader.download({ urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root });
    const retry = events.find((e) => (e as { name: string }).name === 'download:retry') as {
      delayMs: number;
      serverDirected: boolean;
    };
    expect(retry.serverDirected).toBe(true);
    expect(retry.delayMs).toBeGreaterThan(0);
    expect(retry.delayMs).toBeLessThanOrEqual(1500);
    await expectDone(dest());
  });

  it('retries 503 and succeeds', async () => {
    const server = await serve({
      script: [
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
      ],
    });
    const { downloader } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.attempts).toBe(3);
    await expectDone(dest());
  });

  it('gives up with HttpError once the retries are spent, keeping nothing beside the file', async () => {
    const server = await serve({ fallback: { kind: 'status', status: 500 } });
    const { downloader } = make({ retry: { retries: 1, delays: [10] } });
    await expect(
      downloader.download({ urls: [server.url], dest: dest(), size: SIZE, root }),
    ).rejects.toMatchObject({
      code: 'ERR_RETRIES_EXHAUSTED',
    });
    expect(await expectExactOrAbsent(dest(), content)).toBe('absent');
    await expectNoTempBeside(dest());
  });

  it('ends a stalled attempt after stallTimeout and resumes', async () => {
    const server = await serve({ script: [{ kind: 'stall', after: 300_000 }] });
    const { downloader } = make({ stallTimeout: 300 });
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    // The first request stalls; the next resumes where it stopped (a loaded machine may add more).
    expect(server.requests[0]?.range).toBeUndefined();
    expect(server.requests[1]?.range).toBe(`bytes=${server.requests[0]?.bodyBytes}-`);
    expect(result.bytesTransferred).toBe(SIZE);
    await expectDone(dest());
  });

  it('fails over from a mirror that flipped a byte, demotes it, and names the good mirror', async () => {
    const bad = await serve({ fallback: { kind: 'flip', index: 12345 } });
    const good = await serve();
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [bad.url, good.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.url).toBe(good.url);
    expect(events).toContainEqual(
      expect.objectContaining({
        name: 'download:mirror-failover',
        from: bad.url,
        category: 'corruption',
        demoted: true,
      }),
    );
    await expectDone(dest());
    // Demoted for the run: the next file goes to the good mirror first.
    const second = await downloader.download({
      urls: [bad.url, good.url],
      dest: dest('b.bin'),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(second.url).toBe(good.url);
    expect(bad.requests).toHaveLength(1);
  });

  it('never places a corrupt file when every mirror is corrupt', async () => {
    const bad = await serve({ fallback: { kind: 'flip', index: 1 } });
    const { downloader } = make();
    await expect(
      downloader.download({ urls: [bad.url], dest: dest(), size: SIZE, sha256: digest, root }),
    ).rejects.toMatchObject({ code: 'ERR_CHECKSUM_MISMATCH', category: 'corruption' });
    expect(await expectExactOrAbsent(dest(), content)).toBe('absent');
    await expectNoTempBeside(dest());
  });

  it('fails over from a 404 mirror', async () => {
    const missing = await serve({ fallback: { kind: 'status', status: 404 } });
    const good = await serve();
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [missing.url, good.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.url).toBe(good.url);
    expect(missing.requests).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ name: 'download:mirror-failover', from: missing.url, to: good.url }),
    );
    await expectDone(dest());
  });

  it('asks token() once on 401 and never leaks the token', async () => {
    const token = 'hf_SecretTokenValue1234567890';
    const server = await serve({ token });
    let asked = 0;
    const { downloader, events } = make({
      token: () => {
        asked++;
        return token;
      },
    });
    await downloader.download({ urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root });
    expect(asked).toBe(1);
    expect(server.requests.map((r) => r.status)).toEqual([401, 200]);
    expect(JSON.stringify(events)).not.toContain(token);
    await expectDone(dest());
  });

  it('throws AuthenticationError with remediation when no token helps', async () => {
    const server = await serve({ token: 'hf_expected_token_value_123' });
    const { downloader, events } = make({ token: () => 'hf_wrong_token_value_456789' });
    const error = (await downloader
      .download({ urls: [server.url], dest: dest(), size: SIZE, root })
      .catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.category).toBe('authentication');
    const steps = error.remediation.join('\n');
    expect(steps).toMatch(/HF_TOKEN/);
    expect(steps).toMatch(/huggingface-cli login/);
    expect(steps).toMatch(/licen[cs]e/);
    expect(`${error.message}${JSON.stringify(error)}${JSON.stringify(events)}`).not.toContain(
      'hf_wrong_token_value_456789',
    );
    expect(server.requests.map((r) => r.status)).toEqual([401, 401]);
    expect(await expectExactOrAbsent(dest(), content)).toBe('absent');
  });

  it('drops Authorization and Cookie on a cross-origin redirect', async () => {
    const target = await serve();
    const origin = await serve({ fallback: { kind: 'redirect', location: target.url } });
    const { downloader } = make({
      headers: { Authorization: 'Bearer hf_origin_only_secret_1', Cookie: 'session=abc' },
    });
    const result = await downloader.download({
      urls: [origin.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.url).toBe(origin.url);
    expect(origin.requests[0]?.headers.authorization).toBe('Bearer hf_origin_only_secret_1');
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]?.headers.authorization).toBeUndefined();
    expect(target.requests[0]?.headers.cookie).toBeUndefined();
    await expectDone(dest());
  });

  it('keeps Authorization on a same-origin redirect and stops after 10 redirects', async () => {
    const loop = await serve();
    loop.script.push(
      ...Array.from({ length: 20 }, () => ({ kind: 'redirect' as const, location: '/again' })),
    );
    const { downloader } = make({ headers: { authorization: 'Bearer same_origin_secret_xx' } });
    const error = await downloader
      .download({ urls: [loop.url], dest: dest(), size: SIZE, root })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectError);
    expect(loop.requests).toHaveLength(11);
    expect(loop.requests.every((r) => r.headers.authorization === 'Bearer same_origin_secret_xx')).toBe(true);
  });

  it('pauses on abort keeping the partial, resumes next time; removePartial cancels', async () => {
    const server = await serve({ delayMs: 5, chunk: 32 * 1024 });
    const { downloader } = make();
    const controller = new AbortController();
    const paused = downloader.download(
      { urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytes > 600_000) controller.abort();
        },
      },
    );
    await expect(paused).rejects.toMatchObject({ category: 'cancelled' });
    const [partial] = await findPartials(dest(), { root });
    expect(partial?.bytes).toBeGreaterThan(0);
    expect(await expectExactOrAbsent(dest(), content)).toBe('absent');

    const fast = await serve();
    const result = await downloader.download({
      urls: [fast.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.resumed).toBe(true);
    expect(fast.requests[0]?.range).toBe(`bytes=${partial?.bytes}-`);
    expect(result.bytesTransferred).toBe(SIZE - (partial?.bytes ?? 0));
    await expectDone(dest());

    const cancel = new AbortController();
    const cancelled = downloader.download(
      { urls: [server.url], dest: dest('c.bin'), size: SIZE, sha256: digest, root },
      { signal: cancel.signal, removePartial: true, onProgress: (p) => p.bytes > 300_000 && cancel.abort() },
    );
    await expect(cancelled).rejects.toMatchObject({ category: 'cancelled' });
    expect(await findPartials(dest('c.bin'), { root })).toEqual([]);
  });

  it('reports progress with rate and ETA at most 10 times per second', async () => {
    const server = await serve({ delayMs: 2, chunk: 16 * 1024 });
    const { downloader } = make();
    const reports: { bytes: number; rate: number; eta: number | undefined; total: number | undefined }[] = [];
    const started = performance.now();
    await downloader.download(
      { urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root },
      { onProgress: (p) => reports.push(p) },
    );
    const seconds = (performance.now() - started) / 1000;
    expect(reports.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);
    expect(reports.at(-1)).toMatchObject({ bytes: SIZE, total: SIZE });
    expect(reports.some((p) => p.rate > 0 && p.eta !== undefined)).toBe(true);
  });

  it('goes through a plain HTTP proxy and honours NO_PROXY', async () => {
    const server = await serve();
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const upstream = http.request(req.url ?? '', { headers: req.headers, method: req.method }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://user:pw@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const { downloader } = make({ proxy: { http: proxyUrl } });
      await downloader.download({ urls: [server.url], dest: dest(), size: SIZE, sha256: digest, root });
      expect(seen).toEqual([server.url]);
      await expectDone(dest());
      const { downloader: direct } = make({ proxy: { http: proxyUrl, noProxy: '127.0.0.1' } });
      await direct.download({ urls: [server.url], dest: dest('d.bin'), size: SIZE, sha256: digest, root });
      expect(seen).toHaveLength(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('keeps the whole Downloader under bandwidthLimit', async () => {
    const small = content.subarray(0, 600_000);
    const server = await serve({}, small);
    const { downloader } = make({ bandwidthLimit: 1_000_000 });
    const started = performance.now();
    await Promise.all([
      downloader.download({ urls: [server.url], dest: dest('x.bin'), size: small.length, root }),
      downloader.download({ urls: [server.url], dest: dest('y.bin'), size: small.length, root }),
    ]);
    // 1.2 MB through a 1 MB/s bucket with a 100 kB burst cannot take less than ~1.1 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('runs downloads through a priority queue with the given concurrency', async () => {
    const server = await serve({ delayMs: 1 });
    const { downloader, events } = make({ concurrency: 1 });
    const order: string[] = [];
    downloader.on('download:start', (e) => order.push(path.basename(e.dest)));
    const jobs = [
      downloader.download({ urls: [server.url], dest: dest('first.bin'), size: SIZE, root }),
      downloader.download({ urls: [server.url], dest: dest('low.bin'), size: SIZE, root, priority: 0 }),
      downloader.download({ urls: [server.url], dest: dest('high.bin'), size: SIZE, root, priority: 5 }),
    ];
    expect(downloader.activeCount).toBe(1);
    expect(downloader.pendingCount).toBe(2);
    await Promise.all(jobs);
    expect(order).toEqual(['first.bin', 'high.bin', 'low.bin']);
    expect(events.length).toBeGreaterThan(0);
  });

  it('rejects a 404 everywhere with a classified HttpError', async () => {
    const server = await serve({ fallback: { kind: 'status', status: 404 } });
    const { downloader } = make();
    const error = await downloader
      .download({ urls: [server.url], dest: dest(), root })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(404);
    await expectNoTempBeside(dest());
  });
});

/** Leaves `bytes` as the partial of a writer that is long gone (stale mtime, unknown pid). */
async function leaveOrphan(target: string, installRoot: string, bytes: Buffer): Promise<void> {
  const { mkdir, utimes, writeFile } = await import('node:fs/promises');
  const { partialDirFor } = await import('../../src/downloads/partialPath.js');
  const dir = partialDirFor(target, { root: installRoot });
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'ffffffff-1-dead.part');
  await writeFile(file, bytes);
  const old = new Date(Date.now() - 3_600_000);
  await utimes(file, old, old);
}
