import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLAIM_FILE,
  findOrphans,
  markActive,
  newWriterId,
  parseWriterId,
  tryClaim,
  writerGone,
} from '../../src/downloads/claim.js';
import { partialDirFor, partialPathFor, WORK_DIR_NAME } from '../../src/downloads/partialPath.js';
import { PriorityQueue } from '../../src/downloads/queue.js';
import { planResponse, resumeHeaders } from '../../src/downloads/rangeResume.js';
import { dropCredentials, redirectTarget, sameOrigin } from '../../src/downloads/redirects.js';
import { TokenBucket } from '../../src/downloads/throttle.js';
import { RedirectError } from '../../src/errors/RedirectError.js';
import { proxyAuthHeaders } from '../../src/proxy/auth.js';
import { proxyConfigFromEnv } from '../../src/proxy/config.js';
import { bypassesProxy } from '../../src/proxy/noProxy.js';
import { proxyFor } from '../../src/proxy/resolve.js';
import { tempRoot } from '../support/download-helpers.js';

describe('partial file layout', () => {
  it('keeps partials under <root>/.wan-reliability/partial, never beside the destination', () => {
    const root = '/models';
    const dest = '/models/Wan2.2-TI2V-5B/sub/model.safetensors';
    const dir = partialDirFor(dest, { root });
    expect(dir.startsWith(path.join(root, WORK_DIR_NAME, 'partial', 'model.safetensors.'))).toBe(true);
    expect(path.dirname(dir)).not.toBe(path.dirname(dest));
    expect(partialPathFor(dest, 'w1', { root })).toBe(path.join(dir, 'w1.part'));
    // Moving the whole root keeps the key.
    expect(
      path.basename(partialDirFor('/elsewhere/Wan2.2-TI2V-5B/sub/model.safetensors', { root: '/elsewhere' })),
    ).toBe(path.basename(dir));
    expect(partialDirFor(dest, { root, tempDir: '/scratch' }).startsWith('/scratch/model.safetensors.')).toBe(
      true,
    );
    expect(partialDirFor(dest).startsWith(path.join('/models/Wan2.2-TI2V-5B/sub', WORK_DIR_NAME))).toBe(true);
    expect(partialDirFor('/a/x.bin', { root: '/a' })).not.toBe(partialDirFor('/a/b/x.bin', { root: '/a' }));
  });
});

describe('proxy settings', () => {
  it('reads lower- and upper-case variables, lower-case first', () => {
    expect(
      proxyConfigFromEnv({
        HTTP_PROXY: 'http://up:1',
        http_proxy: 'http://low:2',
        HTTPS_PROXY: 'p:3',
        NO_PROXY: 'x',
      }),
    ).toEqual({
      http: 'http://low:2',
      https: 'p:3',
      noProxy: 'x',
    });
  });

  it('matches NO_PROXY entries by host, suffix, port and *', () => {
    const url = new URL('https://cdn.huggingface.co/file');
    expect(bypassesProxy(url, 'huggingface.co')).toBe(true);
    expect(bypassesProxy(url, '.huggingface.co')).toBe(true);
    expect(bypassesProxy(url, '*.huggingface.co')).toBe(true);
    expect(bypassesProxy(url, 'cdn.huggingface.co:443')).toBe(true);
    expect(bypassesProxy(url, 'cdn.huggingface.co:8443')).toBe(false);
    expect(bypassesProxy(url, 'example.com, other.org')).toBe(false);
    expect(bypassesProxy(url, '*')).toBe(true);
    expect(bypassesProxy(new URL('http://notahuggingface.co/'), 'huggingface.co')).toBe(false);
  });

  it('picks the proxy per scheme; loopback is direct with environment settings only', () => {
    const config = { http: 'http://u:p@proxy:3128', https: 'proxy:3129' };
    expect(proxyFor(new URL('http://a.example/x'), config)?.href).toBe('http://u:p@proxy:3128/');
    expect(proxyFor(new URL('https://a.example/x'), config)?.href).toBe('http://proxy:3129/');
    expect(proxyFor(new URL('https://a.example/x'), false)).toBeUndefined();
    expect(proxyFor(new URL('http://127.0.0.1:8080/x'), config)).toBeDefined();
    const saved = process.env.http_proxy;
    process.env.http_proxy = 'http://proxy:3128';
    try {
      expect(proxyFor(new URL('http://127.0.0.1:8080/x'), undefined)).toBeUndefined();
      expect(proxyFor(new URL('http://a.example/x'), undefined)?.host).toBe('proxy:3128');
    } finally {
      if (saved === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved;
    }
    expect(proxyAuthHeaders(new URL('http://us%40er:p%3Ass@proxy:1'))).toEqual({
      'proxy-authorization': `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
    });
  });
});

describe('redirects', () => {
  it('compares scheme, host and port', () => {
    expect(sameOrigin(new URL('https://a.com/x'), new URL('https://A.com:443/y'))).toBe(true);
    expect(sameOrigin(new URL('https://a.com/x'), new URL('http://a.com/x'))).toBe(false);
    // The scheme alone tells them apart when both name the same port.
    expect(sameOrigin(new URL('http://a.com:8080/x'), new URL('https://a.com:8080/x'))).toBe(false);
    expect(sameOrigin(new URL('https://a.com/x'), new URL('https://a.com:8443/x'))).toBe(false);
    expect(sameOrigin(new URL('https://a.com/x'), new URL('https://b.a.com/x'))).toBe(false);
  });

  it('drops credential headers in any case', () => {
    const headers: Record<string, string> = {
      Authorization: 'a',
      COOKIE: 'c',
      'proxy-authorization': 'p',
      accept: '*/*',
    };
    expect(dropCredentials(headers)).toBe(true);
    expect(headers).toEqual({ accept: '*/*' });
  });

  it('refuses https→http, odd schemes and missing locations', () => {
    const from = new URL('https://hub.example/file');
    expect(redirectTarget(from, '/cdn/file', 'x').href).toBe('https://hub.example/cdn/file');
    expect(() => redirectTarget(from, 'http://cdn.example/file', 'x')).toThrow(RedirectError);
    expect(() => redirectTarget(from, 'ftp://cdn.example/file', 'x')).toThrow(RedirectError);
    expect(() => redirectTarget(from, undefined, 'x')).toThrow(RedirectError);
    expect(redirectTarget(new URL('http://a/'), 'https://b/', 'x').href).toBe('https://b/');
  });
});

describe('range planning', () => {
  const base = { offset: 100, rangeSent: true, expectedSize: 1000, knownTotal: 1000, url: 'u' };
  it('sends Range with If-Range only for the same mirror, and only combines mirrors when sha256 is known', () => {
    const meta = {
      version: 1 as const,
      urlKey: 'k',
      etag: '"abc"',
      lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
    };
    expect(resumeHeaders(100, meta, 'k', false).headers).toEqual({
      range: 'bytes=100-',
      'if-range': '"abc"',
    });
    expect(resumeHeaders(100, { ...meta, etag: 'W/"weak"' }, 'k', false).headers['if-range']).toBe(
      meta.lastModified,
    );
    expect(resumeHeaders(100, meta, 'other', true).headers).toEqual({ range: 'bytes=100-' });
    expect(resumeHeaders(100, meta, 'other', false).range).toBe(false);
    expect(resumeHeaders(0, meta, 'k', true).range).toBe(false);
  });

  it('checks 200, 206 and 416 answers', () => {
    expect(planResponse({ ...base, status: 200, headers: { 'content-length': '1000' } })).toMatchObject({
      action: 'restart',
    });
    expect(planResponse({ ...base, status: 200, headers: { 'content-length': '999' } })).toMatchObject({
      action: 'fail',
    });
    expect(
      planResponse({
        ...base,
        status: 206,
        headers: { 'content-range': 'bytes 100-999/1000', 'content-length': '900' },
      }),
    ).toEqual({ action: 'write', start: 100, length: 900, total: 1000 });
    expect(
      planResponse({ ...base, status: 206, headers: { 'content-range': 'bytes 0-999/1000' } }),
    ).toMatchObject({
      action: 'refetch',
      reason: 'bad-content-range',
    });
    expect(
      planResponse({
        ...base,
        status: 206,
        headers: { 'content-range': 'bytes 100-999/1000', 'content-length': '5' },
      }),
    ).toMatchObject({ action: 'refetch' });
    expect(
      planResponse({ ...base, status: 206, headers: { 'content-range': 'bytes 100-1998/1999' } }),
    ).toMatchObject({
      action: 'fail',
    });
    expect(planResponse({ ...base, status: 206, headers: {} })).toMatchObject({ action: 'refetch' });
    expect(
      planResponse({ ...base, offset: 1000, status: 416, headers: { 'content-range': 'bytes */1000' } }),
    ).toEqual({
      action: 'complete',
      total: 1000,
    });
    expect(
      planResponse({ ...base, status: 416, headers: { 'content-range': 'bytes */1000' } }),
    ).toMatchObject({
      action: 'refetch',
      reason: 'range-not-satisfiable',
    });
  });
});

describe('PriorityQueue', () => {
  it('runs by priority then arrival, at most `concurrency` at once, and drops aborted waiters', async () => {
    const queue = new PriorityQueue(2);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        order.push(name);
        gates.push(() => {
          running--;
          resolve(name);
        });
      });
    const controller = new AbortController();
    const jobs = [
      queue.run(task('a')),
      queue.run(task('b')),
      queue.run(task('low'), -1),
      queue.run(task('mid'), 1),
      queue.run(task('high'), 5),
      queue.run(task('mid2'), 1),
    ];
    const aborted = queue.run(task('never'), 10, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ category: 'cancelled' });
    while (order.length < 6 || gates.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    await Promise.all(jobs);
    expect(order).toEqual(['a', 'b', 'high', 'mid', 'mid2', 'low']);
    expect(peak).toBe(2);
  });
});

describe('TokenBucket', () => {
  it('asks for pauses that keep the average under the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(1_000_000, () => now);
    let paused = 0;
    for (let i = 0; i < 100; i++) {
      const wait = bucket.take(64 * 1024);
      paused += wait;
      now += wait;
    }
    // 6.55 MB at 1 MB/s needs ≈ 6.45 s after the 100 kB burst.
    expect(now / 1000).toBeGreaterThan(6.3);
    expect(now / 1000).toBeLessThan(6.6);
    expect(paused).toBe(now);
  });
});

describe('claims', () => {
  it('encodes host and pid in writer ids', () => {
    const id = newWriterId();
    expect(parseWriterId(id)?.pid).toBe(process.pid);
    expect(parseWriterId('garbage')).toBeUndefined();
  });

  it('takes over a claim whose process is gone, but waits for a live one', async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const dir = path.join(root, 'd');
      await mkdir(dir);
      const dead = newWriterId().replace(/-(\d+)-/, '-2147483646-');
      await writeFile(
        path.join(dir, CLAIM_FILE),
        JSON.stringify({ host: 'h', pid: 2147483646, writerId: dead, since: 0 }),
      );
      expect(writerGone(dead, Date.now(), 60_000)).toBe(true);
      const me = newWriterId();
      const unmark = markActive(me);
      const first = await tryClaim(dir, me, 60_000);
      expect(first.acquired).toBe(true);
      expect(JSON.parse(await readFile(path.join(dir, CLAIM_FILE), 'utf8')).writerId).toBe(me);
      // Another writer of a live process (fresh heartbeat) must wait.
      const other = await tryClaim(dir, 'ffffffff-1-abcd', 60_000);
      expect(other.acquired).toBe(false);
      if (first.acquired) await first.claim.release();
      // A claim without heartbeat for lockStaleAfter is stale whoever holds it.
      await writeFile(
        path.join(dir, CLAIM_FILE),
        JSON.stringify({ host: 'elsewhere', pid: 1, writerId: 'x', since: 0 }),
      );
      const old = new Date(Date.now() - 120_000);
      await utimes(path.join(dir, CLAIM_FILE), old, old);
      expect((await tryClaim(dir, me, 60_000)).acquired).toBe(true);
      // Partials of gone writers are orphans; our own is not.
      await writeFile(path.join(dir, `${dead}.part`), 'abc');
      await writeFile(path.join(dir, `${me}.part`), 'abcdef');
      expect((await findOrphans(dir, me, 60_000)).map((o) => o.writerId)).toEqual([dead]);
      unmark();
    } finally {
      await cleanup();
    }
  });
});
