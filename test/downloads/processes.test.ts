import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { type FileServer, makeContent, sha256, startFileServer } from '../support/download-server.js';

const SIZE = 8 * 1024 * 1024;
const content = makeContent(SIZE, 3);
const digest = sha256(content);
const CHILD = path.resolve(__dirname, '../support/download-child.ts');
// A file fetched in 256 KiB chunks over up to four connections (segmentMinSize lowered for it).
const CHUNK = 256 * 1024;
const bigSize = 16 * 1024 * 1024 + 4321;
const big = makeContent(bigSize, 4);
const bigDigest = sha256(big);
const segmented = {
  options: { chunkSize: CHUNK, segmentMinSize: 1024 * 1024, connectionsPerFile: 4 },
  blockSize: 64 * 1024,
};

let root: string;
let cleanup: () => Promise<void>;
let server: FileServer;

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot());
  // Paced (~3 MB/s) so a kill lands mid-download.
  server = await startFileServer(content, { delayMs: 10, chunk: 32 * 1024 });
});

afterEach(async () => {
  await server.close();
  await cleanup();
});

interface ChildRun {
  readonly child: ChildProcess;
  /** Resolves with the last JSON line once the child exits. */
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    last: Record<string, unknown> | undefined;
  }>;
  /** Resolves once the child reported at least `bytes` of progress. */
  progressed(bytes: number): Promise<void>;
}

function runChild(dest: string, extra: Record<string, unknown> = {}, from: FileServer = server): ChildRun {
  const args = {
    urls: [from.url],
    dest,
    size: from === server ? SIZE : bigSize,
    sha256: from === server ? digest : bigDigest,
    root,
    ...extra,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.resolve(__dirname, '../..'),
  });
  let buffered = '';
  let last: Record<string, unknown> | undefined;
  let progress = 0;
  const waiters: { bytes: number; resolve: () => void }[] = [];
  child.stdout?.on('data', (data: Buffer) => {
    buffered += data.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      try {
        last = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof last.progress === 'number') progress = last.progress;
      for (const waiter of [...waiters]) {
        if (progress >= waiter.bytes) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    last: Record<string, unknown> | undefined;
  }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, last })));
  return {
    child,
    done,
    progressed: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (progress >= bytes) resolve();
        else waiters.push({ bytes, resolve });
        void done.then(() =>
          reject(new Error(`child exited before ${bytes} bytes (last: ${JSON.stringify(last)})`)),
        );
      }),
  };
}

describe('Downloader across processes', () => {
  it('resumes after kill -9, three times, and the fourth run finishes serving ≤ 1.10× the file', async () => {
    const dest = path.join(root, 'model', 'weights.bin');
    for (let kill = 1; kill <= 3; kill++) {
      const run = runChild(dest);
      await run.progressed(Math.floor((SIZE * kill) / 4));
      run.child.kill('SIGKILL');
      const exit = await run.done;
      expect(exit.signal).toBe('SIGKILL');
      expect(await expectExactOrAbsent(dest, content)).toBe('absent');
      const partials = await findPartials(dest, { root });
      expect(partials[0]?.bytes ?? 0).toBeGreaterThan(0);
    }
    const final = runChild(dest);
    const exit = await final.done;
    expect(exit.code).toBe(0);
    const result = exit.last?.result as { resumed: boolean; sha256: string; bytesTransferred: number };
    expect(result.resumed).toBe(true);
    expect(result.sha256).toBe(digest);
    expect(result.bytesTransferred).toBeLessThan(SIZE);
    // Every request after the first resumed with Range.
    expect(server.requests.slice(1).every((r) => r.range?.startsWith('bytes='))).toBe(true);
    expect(server.bytesServed()).toBeLessThanOrEqual(SIZE * 1.1);
    expect(await expectExactOrAbsent(dest, content)).toBe('exact');
    await expectNoTempBeside(dest);
    expect(await findPartials(dest, { root })).toEqual([]);
  }, 60_000);

  it('a segmented download killed three times refetches at most the chunks in flight at each kill', async () => {
    // ~3 MB/s per connection, so kills land mid-file with several chunks in flight.
    const paced = await startFileServer(big, { delayMs: 10, chunk: 32 * 1024 });
    try {
      const dest = path.join(root, 'model', 'segmented.bin');
      for (let kill = 1; kill <= 3; kill++) {
        const run = runChild(dest, segmented, paced);
        await run.progressed(Math.floor((bigSize * kill) / 4));
        run.child.kill('SIGKILL');
        expect((await run.done).signal).toBe('SIGKILL');
        // Out of order: the ranges the meta file lists are what is kept.
        const partials = await findPartials(dest, { root });
        expect(partials[0]?.bytes ?? 0).toBeGreaterThan(0);
      }
      const final = runChild(dest, segmented, paced);
      const exit = await final.done;
      expect(exit.code).toBe(0);
      const result = exit.last?.result as { resumed: boolean; sha256: string };
      expect(result).toMatchObject({ resumed: true, sha256: bigDigest });
      // Bounded requests for chunks after each run's first (open) one.
      expect(paced.requests.filter((r) => /^bytes=\d+-\d+$/.test(r.range ?? '')).length).toBeGreaterThan(20);
      // Each kill loses at most the chunks in flight (4 connections × one chunk).
      expect(paced.bytesServed()).toBeLessThanOrEqual(bigSize + 3 * 4 * CHUNK);
      expect(await expectExactOrAbsent(dest, big)).toBe('exact');
      expect(await findPartials(dest, { root })).toEqual([]);
    } finally {
      await paced.close();
    }
  }, 60_000);

  it('two processes on one destination both succeed with the exact file', async () => {
    const dest = path.join(root, 'model', 'shared.bin');
    const first = runChild(dest);
    const second = runChild(dest);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.last?.result).toMatchObject({ sha256: digest });
    expect(b.last?.result).toMatchObject({ sha256: digest });
    // One downloaded, the other waited for its claim and verified the placed file.
    expect(server.bytesServed()).toBeLessThanOrEqual(SIZE * 1.1);
    expect(await expectExactOrAbsent(dest, content)).toBe('exact');
    await expectNoTempBeside(dest);
  }, 60_000);

  it('two Downloaders in one process on one destination both succeed', async () => {
    const dest = path.join(root, 'model', 'twice.bin');
    const one = new Downloader({ proxy: false });
    const two = new Downloader({ proxy: false });
    try {
      const request = { urls: [server.url], dest, size: SIZE, sha256: digest, root };
      const [a, b] = await Promise.all([one.download(request), two.download(request)]);
      expect(a.sha256).toBe(digest);
      expect(b.sha256).toBe(digest);
      expect(a.bytesTransferred + b.bytesTransferred).toBe(SIZE);
      expect(await expectExactOrAbsent(dest, content)).toBe('exact');
      await expectNoTempBeside(dest);
    } finally {
      one.close();
      two.close();
    }
  }, 60_000);
});
