// What the mirror loop does with each kind of failure: another mirror for anything the mirror did,
// never for our own disk; the most useful error when every mirror failed.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import {
  Failover,
  isLocalFileError,
  isOriginFailure,
  isPermanent,
  isResumable,
  pickError,
  unwrap,
} from '../../src/downloads/failover.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import {
  dropCredentials,
  isCredentialHeader,
  redirectTarget,
  sameOrigin,
} from '../../src/downloads/redirects.js';
import { AuthenticationError } from '../../src/errors/AuthenticationError.js';
import { ChecksumMismatchError } from '../../src/errors/ChecksumMismatchError.js';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError.js';
import { classifyError } from '../../src/errors/classify.js';
import { DiskFullError } from '../../src/errors/DiskFullError.js';
import { HttpError } from '../../src/errors/HttpError.js';
import { PathOutsideRootError } from '../../src/errors/PathOutsideRootError.js';
import { RedirectError } from '../../src/errors/RedirectError.js';
import { ResumeError } from '../../src/errors/ResumeError.js';
import { RetriesExhaustedError } from '../../src/errors/RetriesExhaustedError.js';
import { SizeMismatchError } from '../../src/errors/SizeMismatchError.js';
import { StallError } from '../../src/errors/StallError.js';
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

describe('what each failure means for the mirror loop', () => {
  const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
  const auth = () => new AuthenticationError('401 from the hub');
  const size = () => new SizeMismatchError(10, 12, { url: 'https://m.example/f' });
  const corrupt = () => new ChecksumMismatchError('a'.repeat(64), 'b'.repeat(64));
  const stall = () => new StallError(1000);
  const open = () => new CircuitOpenError('download:https://m.example', 5000);
  const disk = () => new DiskFullError('/data/f.bin');
  const outside = () => new PathOutsideRootError('/data/x', '/data', { link: '/data/l', resolved: '/etc' });

  it('permanent for this mirror (not tried again): refused credentials, a wrong size, errors no retry fixes', () => {
    const verdict = (error: unknown) => isPermanent(error, classifyError(error));
    expect(verdict(auth())).toBe(true);
    expect(verdict(size())).toBe(true);
    expect(verdict(new HttpError(404, 'gone'))).toBe(true);
    expect(verdict(new ResumeError('no ranges'))).toBe(true);
    // Worth another pass: a corrupt copy, a cooling-down origin, a stall, anything retryable.
    expect(verdict(corrupt())).toBe(false);
    expect(verdict(open())).toBe(false);
    expect(verdict(stall())).toBe(false);
    expect(verdict(new HttpError(503, 'busy'))).toBe(false);
    expect(verdict(reset())).toBe(false);
  });

  it('resumed at once after some bytes: cuts, resets, timeouts and stalls; not HTTP errors, wrong sizes or our disk', () => {
    expect(isResumable(stall())).toBe(true);
    expect(isResumable(reset())).toBe(true);
    expect(isResumable(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }))).toBe(true);
    expect(isResumable(new HttpError(503, 'busy'))).toBe(false);
    expect(isResumable(size())).toBe(false);
    expect(isResumable(disk())).toBe(false);
    expect(isResumable(Object.assign(new Error('no space'), { code: 'ENOSPC', syscall: 'write' }))).toBe(
      false,
    );
    expect(isResumable(new Error('something else'))).toBe(false);
  });

  it('counted against the origin: 5xx, 429, 408, network and timeouts; never one file’s or our own problem', () => {
    for (const status of [500, 502, 503, 520, 429, 408])
      expect(isOriginFailure(new HttpError(status, 'x')), `${status}`).toBe(true);
    for (const status of [400, 401, 404, 416, 499])
      expect(isOriginFailure(new HttpError(status, 'x')), `${status}`).toBe(false);
    for (const error of [
      auth(),
      corrupt(),
      size(),
      new ResumeError('r'),
      new RedirectError('r'),
      disk(),
      outside(),
    ]) {
      expect(isOriginFailure(error), error.constructor.name).toBe(false);
    }
    expect(isOriginFailure(reset())).toBe(true);
    expect(isOriginFailure(stall())).toBe(true);
    expect(isOriginFailure(Object.assign(new Error('slow down'), { status: 429 }))).toBe(true);
    expect(isOriginFailure(new DOMException('stop', 'AbortError'))).toBe(false);
    expect(isOriginFailure(new Error('unknown'))).toBe(false);
  });

  it('our own disk or root: every kind of local file error stops the download', () => {
    expect(isLocalFileError(disk())).toBe(true);
    expect(isLocalFileError(outside())).toBe(true);
    for (const syscall of [
      'open',
      'write',
      'ftruncate',
      'fsync',
      'mkdir',
      'unlink',
      'copyfile',
      'statfs',
      'fstat',
      'link',
      'rmdir',
      'scandir',
      'stat',
      'utime',
    ]) {
      expect(
        isLocalFileError(Object.assign(new Error(`${syscall} EIO`), { code: 'EIO', syscall })),
        syscall,
      ).toBe(true);
    }
    expect(
      isLocalFileError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' }),
      ),
    ).toBe(false);
  });

  it('the error reported when every mirror failed: refused credentials first, else the last failure', () => {
    const first = new HttpError(503, 'busy');
    const credentials = auth();
    expect(pickError([first, credentials, new HttpError(404, 'gone')])).toBe(credentials);
    const last = new HttpError(503, 'busy');
    expect(pickError([corrupt(), last])).toBe(last);
    expect(String(pickError([]))).toContain('no mirror could be tried');
  });

  it('the real error comes out of a Failover, also when the retry policy wrapped it', () => {
    const cause = size();
    expect(unwrap(new Failover(cause))).toBe(cause);
    const exhausted = new RetriesExhaustedError('dl', [
      { attempt: 1, error: new Failover(cause), classification: classifyError(cause) },
    ]);
    expect(unwrap(exhausted)).toBe(cause);
    const plain = new RetriesExhaustedError('dl', [
      { attempt: 1, error: reset(), classification: classifyError(reset()) },
    ]);
    expect(unwrap(plain)).toBe(plain);
  });
});

describe('redirects', () => {
  it.each([
    'Authorization',
    'COOKIE',
    'Proxy-Authorization',
    'X-Api-Key',
    'X-HF-Token',
    'Private-Token',
    'X-Author',
    'X-Passwd',
    'X-Session-Id',
    'X-Signature',
  ])('%s is a credential header: dropped once a redirect leaves its origin', (name) => {
    expect(isCredentialHeader(name)).toBe(true);
    const headers: Record<string, string> = { [name]: 'v', Accept: '*/*' };
    expect(dropCredentials(headers)).toBe(true);
    expect(headers).toEqual({ Accept: '*/*' });
  });

  it('ordinary headers stay, and nothing is reported dropped', () => {
    const headers: Record<string, string> = { Accept: '*/*', Range: 'bytes=0-', 'User-Agent': 'x' };
    expect(dropCredentials(headers)).toBe(false);
    expect(Object.keys(headers)).toEqual(['Accept', 'Range', 'User-Agent']);
  });

  it('an implicit port is the scheme’s default, never the other scheme’s', () => {
    expect(sameOrigin(new URL('http://a.example/x'), new URL('http://a.example:80/y'))).toBe(true);
    expect(sameOrigin(new URL('http://a.example/x'), new URL('http://a.example:443/y'))).toBe(false);
    expect(sameOrigin(new URL('https://a.example/x'), new URL('https://a.example:80/y'))).toBe(false);
  });

  it.each([
    [undefined, 'Redirect without a Location header from https://hub.example/f'],
    ['http://[bad', 'Redirect to an invalid Location from https://hub.example/f'],
    ['ftp://cdn.example/f', 'Redirect to an unsupported scheme (ftp:) from https://hub.example/f'],
    ['http://cdn.example/f', 'Refused a redirect from https to plain http from https://hub.example/f'],
  ])('Location %s is refused with a RedirectError saying why', (location, message) => {
    let thrown: unknown;
    try {
      redirectTarget(new URL('https://hub.example/f'), location, 'https://hub.example/f');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RedirectError);
    expect((thrown as Error).message).toBe(message);
    expect(thrown).toMatchObject({ url: 'https://hub.example/f' });
  });
});
