import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { HasherPool } from '../../src/downloads/hashWorker.js';
import { findPartials } from '../../src/downloads/partialPath.js';
import { CancelledError } from '../../src/errors/CancelledError.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { HashPool } from '../../src/integrity/hashPool.js';
import { tempRoot } from '../support/download-helpers.js';
import { type FileServer, makeContent, sha256, startFileServer } from '../support/download-server.js';

// Larger than the inline-hash limit (8 MiB), so the download hashes in a worker thread.
const SIZE = 12 * 1024 * 1024;
const content = makeContent(SIZE, 11);
const digest = sha256(content);
const CHILD = path.resolve(__dirname, '../support/exit-child.ts');
/** How long a child may live after its last await. */
const EXIT_WITHIN_MS = 2000;

let root: string;
let cleanup: () => Promise<void>;
let server: FileServer | undefined;

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-life-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await cleanup();
});

interface ExitRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from the child's marker line to its exit; undefined when it printed none. */
  lingeredMs: number | undefined;
  result: { ok: boolean; error?: string; category?: string } | undefined;
}

/** Runs the exit child; kills it (and says so) when it is still alive 10 s after its marker. */
function runExitChild(args: Record<string, unknown>): Promise<ExitRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.resolve(__dirname, '../..'),
  });
  let buffered = '';
  let markerAt: number | undefined;
  let result: ExitRun['result'];
  let killer: NodeJS.Timeout | undefined;
  child.stdout.on('data', (data: Buffer) => {
    buffered += data.toString();
    const newline = buffered.indexOf('\n');
    if (newline < 0 || markerAt !== undefined) return;
    const line = JSON.parse(buffered.slice(0, newline)) as { marker?: string; result?: ExitRun['result'] };
    if (line.marker === 'last-await-done') {
      markerAt = performance.now();
      result = line.result;
      killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      const lingeredMs = markerAt === undefined ? undefined : performance.now() - markerAt;
      resolve({ code, signal, lingeredMs, result });
    });
  });
}

async function expectExitsByItself(args: Record<string, unknown>): Promise<ExitRun> {
  const run = await runExitChild({ root, dest: path.join(root, 'model', 'file.bin'), ...args });
  expect(run.lingeredMs, 'the child printed its marker').toBeDefined();
  expect(run.signal, 'the child was not killed').toBeNull();
  expect(run.code).toBe(0);
  expect(run.lingeredMs as number).toBeLessThan(EXIT_WITHIN_MS);
  return run;
}

describe('nothing keeps the process alive once no download runs (real child processes, no close())', () => {
  it('after a verified download hashed in a worker thread', async () => {
    server = await startFileServer(content);
    const run = await expectExitsByItself({
      scenario: 'download',
      url: server.url,
      size: SIZE,
      sha256: digest,
    });
    expect(run.result?.ok).toBe(true);
  }, 30_000);

  it('after a download of unknown size (worker hasher from the first byte)', async () => {
    server = await startFileServer(content);
    const run = await expectExitsByItself({ scenario: 'download', url: server.url });
    expect(run.result?.ok).toBe(true);
  }, 30_000);

  it('after a caught 404', async () => {
    server = await startFileServer(content, { fallback: { kind: 'status', status: 404 } });
    const run = await expectExitsByItself({ scenario: 'download', url: server.url });
    expect(run.result).toMatchObject({ ok: false });
    expect(run.result?.error).toMatch(/404/);
  }, 30_000);

  it('after a body cut mid-stream and resumed to success', async () => {
    server = await startFileServer(content, { script: [{ kind: 'cut', after: 3 * 1024 * 1024 }] });
    const run = await expectExitsByItself({
      scenario: 'download',
      url: server.url,
      size: SIZE,
      sha256: digest,
    });
    expect(run.result?.ok).toBe(true);
    expect(server.requests[1]?.range).toMatch(/^bytes=\d+-/);
  }, 30_000);

  it('after retries ran out on 503s (retry timers, an opened breaker)', async () => {
    server = await startFileServer(content, { fallback: { kind: 'status', status: 503 } });
    const run = await expectExitsByItself({ scenario: 'download', url: server.url, size: SIZE });
    expect(run.result).toMatchObject({ ok: false });
  }, 30_000);

  it('after an abort through the AbortSignal (the partial is kept)', async () => {
    server = await startFileServer(content, { delayMs: 5 });
    const run = await expectExitsByItself({ scenario: 'abort', url: server.url, size: SIZE, sha256: digest });
    expect(run.result).toMatchObject({ ok: false, category: 'cancelled' });
  }, 30_000);

  it('after hashing with the integrity HashPool', async () => {
    const file = path.join(root, 'hash-me.bin');
    await writeFile(file, content.subarray(0, 1024 * 1024));
    const run = await expectExitsByItself({ scenario: 'hash', url: 'http://127.0.0.1:9/', file });
    expect(run.result?.ok).toBe(true);
  }, 30_000);

  it('with close() right after a failed and after a successful download', async () => {
    server = await startFileServer(content, { fallback: { kind: 'status', status: 404 } });
    const failed = await expectExitsByItself({ scenario: 'close-after', url: server.url });
    expect(failed.result).toMatchObject({ ok: false });
    await server.close();
    server = await startFileServer(content);
    const ok = await expectExitsByItself({
      scenario: 'close-after',
      url: server.url,
      size: SIZE,
      sha256: digest,
    });
    expect(ok.result?.ok).toBe(true);
  }, 30_000);

  it('with close() during a running download (which fails as cancelled)', async () => {
    server = await startFileServer(content, { delayMs: 5 });
    const run = await expectExitsByItself({
      scenario: 'close-during',
      url: server.url,
      size: SIZE,
      sha256: digest,
    });
    expect(run.result).toMatchObject({ ok: false, category: 'cancelled' });
  }, 30_000);
});

describe('Downloader#close', () => {
  it('stops running and queued downloads with a cancelled error, keeps the partial, and is idempotent', async () => {
    server = await startFileServer(content, { delayMs: 5 });
    const downloader = new Downloader({ proxy: false, concurrency: 1 });
    const dest = path.join(root, 'model', 'running.bin');
    let progressed!: () => void;
    const firstBytes = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const running = downloader
      .download(
        { urls: [server.url], dest, size: SIZE, sha256: digest, root },
        { onProgress: (p) => p.bytes > 0 && progressed() },
      )
      .catch((e: unknown) => e);
    const queued = downloader
      .download({ urls: [server.url], dest: path.join(root, 'model', 'queued.bin'), root })
      .catch((e: unknown) => e);
    await firstBytes;
    expect(downloader.pendingCount).toBe(1);
    const closing = downloader.close();
    expect(downloader.close()).toBe(closing);
    const [a, b] = await Promise.all([running, queued]);
    await closing;
    for (const error of [a, b]) {
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).category).toBe('cancelled');
      expect((error as CancelledError).message).toMatch(/Downloader was closed/);
      expect((error as CancelledError).remediation.join(' ')).toMatch(/new Downloader/);
    }
    // Paused, not thrown away: the next Downloader resumes from here.
    const [partial] = await findPartials(dest, { root });
    expect(partial?.bytes ?? 0).toBeGreaterThan(0);
    const later = await downloader.download({ urls: [server.url], dest, root }).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(CancelledError);
    const next = new Downloader({ proxy: false });
    try {
      const result = await next.download({ urls: [server.url], dest, size: SIZE, sha256: digest, root });
      expect(result.resumed).toBe(true);
      expect(result.bytesTransferred).toBeLessThan(SIZE);
    } finally {
      await next.close();
    }
  }, 30_000);

  it('is safe right after a failed download (the hash worker is on its way back to the pool)', async () => {
    server = await startFileServer(content, { fallback: { kind: 'status', status: 404 } });
    for (let round = 0; round < 5; round++) {
      const downloader = new Downloader({ proxy: false });
      const error = await downloader
        .download({ urls: [server.url], dest: path.join(root, `m${round}`, 'f.bin'), root })
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/404/);
      await downloader.close();
    }
    // No worker thread or port of ours is left holding the event loop.
    expect(process.getActiveResourcesInfo().filter((kind) => /MessagePort|Worker/.test(kind))).toEqual([]);
  }, 30_000);

  it('is what `await using` calls', async () => {
    server = await startFileServer(content);
    const dest = path.join(root, 'model', 'using.bin');
    let kept: Downloader | undefined;
    {
      await using downloader = new Downloader({ proxy: false });
      kept = downloader;
      await downloader.download({ urls: [server.url], dest, size: SIZE, sha256: digest, root });
    }
    const after = await kept.download({ urls: [server.url], dest, root }).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(CancelledError);
  }, 30_000);
});

describe('Symbol.asyncDispose on the other long-lived resources', () => {
  it('types: Downloader, HashPool, HasherPool and the health server are AsyncDisposable', async () => {
    expectTypeOf<Downloader>().toExtend<AsyncDisposable>();
    expectTypeOf<HashPool>().toExtend<AsyncDisposable>();
    expectTypeOf<HasherPool>().toExtend<AsyncDisposable>();
    expectTypeOf<Awaited<ReturnType<HealthReporter['serve']>>>().toExtend<AsyncDisposable>();
  });

  it('HashPool: `await using` ends its threads; later hashes are refused as cancelled', async () => {
    const file = path.join(root, 'pool.bin');
    await writeFile(file, content.subarray(0, 256 * 1024));
    let kept: HashPool | undefined;
    {
      await using pool = new HashPool({ size: 1 });
      kept = pool;
      expect((await pool.hash(file)).sha256).toBe(sha256(content.subarray(0, 256 * 1024)));
    }
    const error = await kept.hash(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    await kept.close(); // twice is fine
  });

  it('HasherPool: a worker handed back while close() runs is ended, not parked', async () => {
    const pool = new HasherPool(4);
    const hasher = pool.acquire(undefined);
    const block = new SharedArrayBuffer(16);
    await hasher.update(block, 0, 16);
    expect(await hasher.digest()).toMatch(/^[0-9a-f]{64}$/);
    expect(pool.liveWorkers).toBe(1);
    hasher.release(); // its reset is now in flight
    await pool[Symbol.asyncDispose]();
    expect(pool.liveWorkers).toBe(0);
    // A hasher taken after close still works and is ended when released.
    const late = pool.acquire(undefined);
    await late.update(block, 0, 16);
    late.release();
    await pool.close();
    expect(pool.liveWorkers).toBe(0);
  });

  it('the health server closes on `await using`', async () => {
    const reporter = new HealthReporter({ openTelemetry: false });
    let url: string;
    {
      await using server = await reporter.serve();
      url = server.url;
      expect((await fetch(`${url}/health`)).status).toBe(200);
    }
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
