import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions, DownloadResult } from '../../src/downloads/options.js';
import { HttpError } from '../../src/errors/HttpError.js';
import { RetriesExhaustedError } from '../../src/errors/RetriesExhaustedError.js';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { TimeoutManager } from '../../src/policies/timeout/TimeoutManager.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type Origin, type OriginPlan, startOrigin } from '../support/origin-server.js';

let root: string;
let cleanup: () => Promise<void>;
const origins: Origin[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-breaker-'));
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const origin of origins.splice(0)) await origin.close();
  await cleanup();
});

async function origin(files: ReadonlyMap<string, Buffer>, plan: OriginPlan): Promise<Origin> {
  const started = await startOrigin(files, plan);
  origins.push(started);
  return started;
}

function make(options: DownloaderOptions = {}): { downloader: Downloader; events: { name: string }[] } {
  const downloader = new Downloader({ retry: { delays: [10, 20, 40] }, proxy: false, ...options });
  downloaders.push(downloader);
  const events: { name: string }[] = [];
  const names: (keyof DownloadEvents)[] = [
    'download:retry',
    'download:mirror-failover',
    'download:cooldown',
    'download:error',
  ];
  for (const name of names) downloader.on(name, (payload: object) => events.push({ name, ...payload }));
  return { downloader, events };
}

/** The Downloader's breaker for `origin` (listed by the registry once a request went there). */
function breakerOf(origin: string): CircuitBreaker {
  const breaker = CircuitBreaker.registry().find((candidate) => candidate.name === `download:${origin}`);
  if (!breaker) throw new Error(`no breaker for ${origin}`);
  return breaker;
}

/** `count` files named `<prefix><i>.bin` of `size` bytes each. */
function files(prefix: string, count: number, size: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) out.set(`${prefix}${i}.bin`, makeContent(size, i + 11));
  return out;
}

describe('Downloader breaker semantics (one origin serves every file)', () => {
  it('a transient 503 burst on every file does not fail the install: every file is placed', async () => {
    // Three "models" of three files each, two mirror paths on the same origin, like the Hub.
    const hub = new Map<string, Buffer>();
    for (const model of ['a', 'b', 'c']) {
      for (const [name, body] of files(`/${model}/f`, 3, 256 * 1024)) {
        hub.set(`/hub${name}`, body);
        hub.set(`/mirror${name}`, body);
      }
    }
    const server = await origin(hub, (_path, nth) =>
      nth < 2 ? { kind: 'status', status: 503, headers: { 'Retry-After': '0' } } : { kind: 'normal' },
    );
    const { downloader } = make();
    const results = await Promise.all(
      [...hub.keys()]
        .filter((p) => p.startsWith('/hub/'))
        .map((p) => {
          const rel = p.slice('/hub/'.length);
          return downloader.download({
            urls: [`${server.base}/hub/${rel}`, `${server.base}/mirror/${rel}`],
            dest: path.join(root, rel),
            sha256: sha256(hub.get(p) as Buffer),
            size: (hub.get(p) as Buffer).length,
            root,
          });
        }),
    );
    expect(results).toHaveLength(9);
    for (const p of hub.keys()) {
      if (!p.startsWith('/hub/')) continue;
      const rel = p.slice('/hub/'.length);
      expect(await expectExactOrAbsent(path.join(root, rel), hub.get(p) as Buffer)).toBe('exact');
    }
  });

  it('one always-502 file of seven on one mirror: six are placed, the bad one fails with its 502', async () => {
    const seven = files('/m/f', 7, 12 * 1024 * 1024);
    const server = await origin(seven, (p) =>
      p === '/m/f3.bin' ? { kind: 'status', status: 502 } : { kind: 'normal' },
    );
    const { downloader } = make({ concurrency: 2 });
    const settled = await Promise.allSettled(
      [...seven.entries()].map(([p, body]) =>
        downloader.download({
          urls: [`${server.base}${p}`],
          dest: path.join(root, p),
          sha256: sha256(body),
          size: body.length,
          root,
        }),
      ),
    );
    const ok = settled.filter((s): s is PromiseFulfilledResult<DownloadResult> => s.status === 'fulfilled');
    expect(ok.map((s) => path.basename(s.value.path)).sort()).toEqual(
      ['f0.bin', 'f1.bin', 'f2.bin', 'f4.bin', 'f5.bin', 'f6.bin'].sort(),
    );
    const bad = settled[3] as PromiseRejectedResult;
    expect(bad.status).toBe('rejected');
    // The real cause, not the breaker: the 502 itself, or the retries that ended with it.
    const cause = bad.reason instanceof RetriesExhaustedError ? bad.reason.cause : bad.reason;
    expect(cause).toBeInstanceOf(HttpError);
    expect((cause as HttpError).status).toBe(502);
    // Every good file made requests of its own: none was refused by a breaker without trying.
    for (const p of seven.keys()) expect(server.requestsFor(p)).toBeGreaterThan(0);
  });
});

describe('Downloader waits for a cooling-down mirror instead of failing', () => {
  it('every mirror open: the file waits for the half-open probe, says so, then completes', async () => {
    const body = makeContent(512 * 1024, 3);
    const server = await origin(new Map([['/f.bin', body]]), () => ({ kind: 'normal' }));
    const { downloader, events } = make({ breaker: { resetTimeout: 300 } });
    const url = new URL(`${server.base}/f.bin`);
    await downloader.download({ urls: [url], dest: path.join(root, 'warm.bin'), root });
    // Open the origin's breaker as earlier failures of other files would.
    const open = breakerOf(url.origin);
    open.open();
    const progress: { waiting?: { message: string } }[] = [];
    const started = performance.now();
    const result = await downloader.download(
      { urls: [url], dest: path.join(root, 'f.bin'), sha256: sha256(body), root },
      { onProgress: (p) => progress.push(p) },
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(result.bytes).toBe(body.length);
    const cooldown = events.find((e) => e.name === 'download:cooldown') as
      | { message: string; mirrors: string[] }
      | undefined;
    expect(cooldown?.message).toMatch(/cooling down, retrying in \d+ s/);
    expect(cooldown?.mirrors).toEqual([`${server.base}/f.bin`]);
    expect(progress.some((p) => p.waiting?.message.includes('cooling down'))).toBe(true);
    expect(open.state).toBe('closed');
  });

  it('a mirror cooling down is skipped while another mirror takes requests', async () => {
    const body = makeContent(256 * 1024, 4);
    const a = await origin(new Map([['/f.bin', body]]), () => ({ kind: 'normal' }));
    const b = await origin(new Map([['/f.bin', body]]), () => ({ kind: 'normal' }));
    const { downloader } = make({ breaker: { resetTimeout: 60_000 } });
    await downloader.download({ urls: [`${a.base}/f.bin`], dest: path.join(root, 'warm.bin'), root });
    breakerOf(a.base).open();
    const requestsBefore = a.requestsFor('/f.bin');
    const result = await downloader.download({
      urls: [`${a.base}/f.bin`, `${b.base}/f.bin`],
      dest: path.join(root, 'f.bin'),
      sha256: sha256(body),
      root,
    });
    expect(result.url).toBe(`${b.base}/f.bin`);
    expect(a.requestsFor('/f.bin')).toBe(requestsBefore);
  });

  it('the wait is bounded by the file’s time budget: TimeoutError with the real cause', async () => {
    const body = makeContent(64 * 1024, 5);
    const server = await origin(
      new Map([
        ['/bad.bin', body],
        ['/f.bin', body],
      ]),
      (p) => (p === '/bad.bin' ? { kind: 'status', status: 503 } : { kind: 'normal' }),
    );
    const { downloader, events } = make({
      retry: { retries: 0 },
      breaker: { consecutiveFailures: 1, resetTimeout: 60_000 },
      timeouts: new TimeoutManager({ defaults: { model_download: 400 } }),
    });
    // Another file's failed cycle opens the origin's breaker for a minute.
    await downloader
      .download({ urls: [`${server.base}/bad.bin`], dest: path.join(root, 'bad.bin'), root })
      .catch(() => {});
    const started = performance.now();
    const error = (await downloader
      .download({ urls: [`${server.base}/f.bin`], dest: path.join(root, 'f.bin'), root })
      .catch((e: unknown) => e)) as Error & { code?: string; cause?: unknown };
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect(error.code).toBe('ERR_TIMEOUT');
    expect(error.cause).toBeInstanceOf(HttpError);
    expect((error.cause as HttpError).status).toBe(503);
    expect(server.requestsFor('/f.bin')).toBe(0);
    expect(events.some((e) => e.name === 'download:cooldown')).toBe(true);
  });
});
