import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions, DownloadResult } from '../../src/downloads/options.js';
import { HttpError } from '../../src/errors/HttpError.js';
import { RetriesExhaustedError } from '../../src/errors/RetriesExhaustedError.js';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';
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
