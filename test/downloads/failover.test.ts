// What the mirror loop does with each kind of failure: another mirror for anything the mirror did,
// never for our own disk; the most useful error when every mirror failed.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { isLocalFileError, isOriginFailure, isResumable } from '../../src/downloads/failover.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import { HttpError } from '../../src/errors/HttpError.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type Origin, type OriginPlan, startOrigin } from '../support/origin-server.js';
import { type RawServer, startRawServer } from '../support/raw-server.js';

let root: string;
let cleanup: () => Promise<void>;
const closers: (() => Promise<void>)[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-failover-'));
});
afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const close of closers.splice(0)) await close();
  await cleanup();
});

async function origin(files: ReadonlyMap<string, Buffer>, plan: OriginPlan): Promise<Origin> {
  const started = await startOrigin(files, plan);
  closers.push(() => started.close());
  return started;
}

/** A server that resets every connection as soon as the request head arrives. */
async function resetting(): Promise<RawServer> {
  const server = await startRawServer((socket) => {
    socket.resetAndDestroy();
  });
  closers.push(() => server.close());
  return server;
}

function make(options: DownloaderOptions = {}): Downloader {
  const downloader = new Downloader({ retry: { delays: [5, 10, 20] }, proxy: false, ...options });
  downloaders.push(downloader);
  return downloader;
}

describe('the mirror loop', () => {
  it('a cycle cut short by an opening breaker after connection resets fails over to the next mirror', async () => {
    const body = makeContent(64 * 1024, 21);
    const bad = await resetting();
    const good = await origin(new Map([['/f.bin', body]]), () => ({ kind: 'normal' }));
    const downloader = make({ breaker: { resetTimeout: 60_000 } });
    // The first reset of this file: its origin's breaker opens (as another file's cycle would open it).
    downloader.once('download:retry', () => {
      const breaker = CircuitBreaker.registry().find((b) => b.name === `download:${new URL(bad.url).origin}`);
      breaker?.open();
    });
    const dest = path.join(root, 'f.bin');
    const result = await downloader.download({
      urls: [bad.url, `${good.base}/f.bin`],
      dest,
      sha256: sha256(body),
      root,
    });
    expect(result.url).toBe(`${good.base}/f.bin`);
    expect(await expectExactOrAbsent(dest, body)).toBe('exact');
  });
});

describe('whose fault a failure is', () => {
  const errno = (code: string, syscall: string) =>
    Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

  it.each([
    ['ECONNRESET', 'read'],
    ['EPIPE', 'write'],
    ['ECONNABORTED', 'read'],
    ['ETIMEDOUT', 'read'],
  ])(
    'a socket %s (%s) is the mirror’s: another mirror may help, and a cut body resumes at once',
    (code, syscall) => {
      expect(isLocalFileError(errno(code, syscall))).toBe(false);
      expect(isResumable(errno(code, syscall))).toBe(true);
      expect(isOriginFailure(errno(code, syscall))).toBe(true);
    },
  );

  it.each([
    ['EACCES', 'open'],
    ['EROFS', 'open'],
    ['EISDIR', 'open'],
    ['ENOTDIR', 'mkdir'],
    ['EXDEV', 'rename'],
    ['EBUSY', 'rename'],
    ['EIO', 'read'],
    ['EBADF', 'close'],
    ['EPERM', 'unlink'],
    ['ENOENT', 'stat'],
  ])('a file %s (%s) is ours: no mirror can help, and it says nothing about the origin', (code, syscall) => {
    expect(isLocalFileError(errno(code, syscall))).toBe(true);
    expect(isResumable(errno(code, syscall))).toBe(false);
    expect(isOriginFailure(errno(code, syscall))).toBe(false);
  });

  it('an HTTP error is never a local file error, whatever it carries', () => {
    expect(isLocalFileError(Object.assign(new HttpError(503, 'busy'), { syscall: 'read' }))).toBe(false);
    expect(isLocalFileError(new Error('plain'))).toBe(false);
    expect(isLocalFileError(null)).toBe(false);
  });
});
