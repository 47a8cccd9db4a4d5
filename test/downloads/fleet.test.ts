import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type FleetCache, nginxWithSlice, startFleetCache } from '../support/fleet-cache.js';
import { type Origin, startOrigin } from '../support/origin-server.js';

const CHILD = path.resolve(__dirname, '../support/download-child.ts');
const MiB = 1024 * 1024;
/** A small "model": three files, the largest fetched in segments by each installer. */
const model = [
  { name: 'high_noise_model.safetensors', content: makeContent(18 * MiB + 1234, 71) },
  { name: 'low_noise_model.safetensors', content: makeContent(11 * MiB + 99, 72) },
  { name: 'Wan2.1_VAE.pth', content: makeContent(3 * MiB + 7, 73) },
];
const modelBytes = model.reduce((sum, file) => sum + file.content.length, 0);
const INSTALLERS = 4;

let work: string;
let cleanup: () => Promise<void>;
let upstream: Origin;
let cache: FleetCache | undefined;

beforeEach(async () => {
  ({ root: work, cleanup } = await tempRoot('wan-fleet-'));
  // nginx workers (an unprivileged user under root) must reach the cache folder inside.
  await chmod(work, 0o755);
  // The "Hub": resolve URLs redirect to a signed CDN URL that serves the bytes (~32 MB/s per connection).
  let cdn = '';
  const files = new Map<string, Buffer>();
  for (const file of model) {
    files.set(`/resolve/main/${file.name}`, file.content);
    files.set(`/cdn/${file.name}`, file.content);
  }
  upstream = await startOrigin(
    files,
    (filePath) =>
      filePath.startsWith('/resolve/')
        ? { kind: 'redirect', location: `${cdn}/cdn/${path.basename(filePath)}?X-Amz-Signature=abc` }
        : { kind: 'normal' },
    { chunk: 64 * 1024, delayMs: 2 },
  );
  cdn = upstream.base;
});

afterEach(async () => {
  await cache?.stop();
  cache = undefined;
  await upstream.close();
  await cleanup();
});

/** Bytes the upstream sent for the model's files (the CDN paths carry every byte). */
const upstreamBytes = () => model.reduce((sum, file) => sum + upstream.bytesFor(`/cdn/${file.name}`), 0);

interface Installer {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; last: Record<string, unknown> | undefined }>;
  /** Resolves once the installer reported `bytes` in all. */
  progressed(bytes: number): Promise<void>;
}

/** One installer machine: a child process pulling the model, the cache first and the Hub second. */
function install(machine: number, cacheBase: string): Installer {
  const root = path.join(work, `machine-${machine}`);
  const args = {
    root,
    files: model.map((file) => ({
      urls: [`${cacheBase}/resolve/main/${file.name}`, `${upstream.base}/resolve/main/${file.name}`],
      dest: path.join(root, 'Wan2.2-T2V-A14B', file.name),
      size: file.content.length,
      sha256: sha256(file.content),
    })),
    options: { segmentMinSize: 8 * MiB, chunkSize: MiB, retry: { delays: [50, 100, 200] }, proxy: false },
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
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      last = JSON.parse(line) as Record<string, unknown>;
      if (typeof last.progress === 'number') progress = last.progress;
      for (const waiter of waiters.filter((w) => progress >= w.bytes)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const done = new Promise<{ code: number | null; last: Record<string, unknown> | undefined }>((resolve) =>
    child.on('exit', (code) => resolve({ code, last })),
  );
  return {
    child,
    done,
    progressed: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (progress >= bytes) resolve();
        else waiters.push({ bytes, resolve });
        void done.then(() =>
          reject(new Error(`installer exited before ${bytes} bytes: ${JSON.stringify(last)}`)),
        );
      }),
  };
}

async function expectModelOn(machine: number): Promise<void> {
  for (const file of model) {
    const data = await readFile(path.join(work, `machine-${machine}`, 'Wan2.2-T2V-A14B', file.name));
    expect(data.equals(file.content)).toBe(true);
  }
}

describe.skipIf(!nginxWithSlice())('a fleet behind one nginx cache (examples/fleet-cache/nginx.conf)', () => {
  it('four installers at once pull a model while the upstream serves it about once', async () => {
    cache = await startFleetCache(path.join(work, 'nginx'), upstream.base);
    const installers = Array.from({ length: INSTALLERS }, (_, i) => install(i, (cache as FleetCache).base));
    const exits = await Promise.all(installers.map((installer) => installer.done));
    for (const exit of exits) expect(exit.code, JSON.stringify(exit.last)).toBe(0);
    for (let machine = 0; machine < INSTALLERS; machine++) await expectModelOn(machine);
    // Every installer was served by the cache (the first mirror), and the upstream sent each byte
    // about once: slices are cached, and machines missing the same slice wait for one fetch.
    for (const exit of exits) {
      const results = exit.last?.results as { url: string }[];
      for (const result of results) expect(result.url.startsWith((cache as FleetCache).base)).toBe(true);
    }
    expect(upstreamBytes()).toBeGreaterThanOrEqual(modelBytes);
    expect(upstreamBytes()).toBeLessThanOrEqual(modelBytes * 1.1);
    // The Hub only ever saw the cache, once per slice at most.
    expect(upstream.requests.filter((r) => r.path.startsWith('/resolve/')).length).toBeLessThan(
      upstream.requests.filter((r) => r.path.startsWith('/cdn/')).length + 1,
    );
  }, 120_000);

  it('when the cache dies mid-run, the installers fail over to the upstream and finish bit-exact', async () => {
    cache = await startFleetCache(path.join(work, 'nginx'), upstream.base);
    const installers = Array.from({ length: INSTALLERS }, (_, i) => install(i, (cache as FleetCache).base));
    // Killed once the first installer has a third of the model: every installer is mid-run then
    // (none can be further than the first), so each one must finish through the upstream.
    await Promise.race(installers.map((installer) => installer.progressed(modelBytes / 3)));
    cache.kill();
    const exits = await Promise.all(installers.map((installer) => installer.done));
    for (const exit of exits) expect(exit.code, JSON.stringify(exit.last)).toBe(0);
    for (let machine = 0; machine < INSTALLERS; machine++) await expectModelOn(machine);
    // At least one file per installer was finished by the upstream.
    for (const exit of exits) {
      const results = exit.last?.results as { url: string }[];
      expect(results.some((result) => result.url.startsWith(upstream.base))).toBe(true);
    }
  }, 120_000);
});
