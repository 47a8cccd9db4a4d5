import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { HashPool } from '../../src/integrity/hashPool.js';
import { ModelIntegrityChecker } from '../../src/integrity/ModelIntegrityChecker.js';
import { parseManifest } from '../../src/integrity/manifest.js';
import {
  type Behaviour,
  type FileServer,
  makeContent,
  sha256,
  startFileServer,
} from '../support/download-server.js';
import { tempDir } from '../support/integrityFixtures.js';

// Issue 3 acceptance, from the outside: repair() with a real Downloader gets every file bit-exact
// through mirrors that misbehave on purpose, each mirror a real loopback server.

const SIZE = 256 * 1024;
const TOKEN = 'hf_acceptanceTokenValue123';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(
  content: Buffer,
  script: Behaviour[],
  extra: Parameters<typeof startFileServer>[1] = {},
) {
  const s = await startFileServer(content, { script, ...extra });
  cleanups.push(() => s.close());
  return s;
}

const base = (s: FileServer) => `http://127.0.0.1:${s.port}/`;

describe('repair through misbehaving mirrors (real Downloader, real loopback servers)', () => {
  it('gets every file bit-exact, resumes cut bodies, never leaks Authorization cross-origin', async () => {
    const { dir: root, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const files = Array.from({ length: 9 }, (_, i) => ({
      path: `weights/part-${i}.safetensors`,
      data: makeContent(SIZE, i + 1),
    }));
    const data = (i: number) => files[i]!.data;

    const cut = await server(data(0), [{ kind: 'cut', after: 100_000 }]);
    const rangeIgnored = await server(data(1), [{ kind: 'cut', after: 50_000 }, { kind: 'ignore-range' }]);
    const unavailable = await server(data(2), [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
    ]);
    const limited = await server(data(3), [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }]);
    const flipping = await server(data(4), [], { fallback: { kind: 'flip', index: 1234 } });
    const flipGood = await server(data(4), []);
    const stalling = await server(data(5), [{ kind: 'stall', after: 60_000 }]);
    const missing = await server(data(6), [], { fallback: { kind: 'status', status: 404 } });
    const missingGood = await server(data(6), []);
    const gated = await server(data(7), [], { token: TOKEN });
    const target = await server(data(8), []);
    const redirecting = await server(data(8), [], {
      token: TOKEN,
      fallback: { kind: 'redirect', location: `http://localhost:${target.port}/file.bin` },
    });

    // One model per file, so that each file gets its own mirror list.
    const mirrors: string[][] = [
      [base(cut)],
      [base(rangeIgnored)],
      [base(unavailable)],
      [base(limited)],
      [base(flipping), base(flipGood)],
      [base(stalling)],
      [base(missing), base(missingGood)],
      [base(gated)],
      [base(redirecting)],
    ];
    const manifest = parseManifest({
      schemaVersion: 1,
      models: files.map((file, i) => ({
        id: `model-${i}`,
        revision: 'main',
        mirrors: mirrors[i],
        files: [{ path: file.path, size: SIZE, sha256: sha256(file.data) }],
      })),
    });
    let tokenAsked = 0;
    const downloader = new Downloader({
      token: () => {
        tokenAsked++;
        return TOKEN;
      },
      stallTimeout: 500,
      retry: { retries: 3, delays: [50, 100, 200] },
    });
    cleanups.push(() => downloader.close());
    const pool = new HashPool({ size: 2 });
    cleanups.push(() => pool.close());
    const checker = new ModelIntegrityChecker({ root, manifest, downloader, hasher: pool });

    const before = await checker.verify({ deep: true });
    expect(before.bytesToDownload).toBe(9 * SIZE);
    const started = Date.now();
    const result = await checker.repair(before);
    expect(result.failed).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.fixed).toHaveLength(9);
    for (const [i, file] of files.entries()) {
      const onDisk = await readFile(path.join(root, `model-${i}`, ...file.path.split('/')));
      expect(onDisk.equals(file.data), file.path).toBe(true);
    }
    // A cut body is resumed with Range: ≤ 1.02× the file served.
    expect(cut.requests.at(-1)?.range).toMatch(/^bytes=\d+-$/);
    expect(cut.bytesServed()).toBeLessThanOrEqual(SIZE * 1.02);
    // 429 with Retry-After: 1 was waited.
    expect(limited.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // The flipped and 404 mirrors were failed over; the result names the good one.
    expect(result.fixed.find((f) => f.model === 'model-4')?.url).toContain(`:${flipGood.port}/`);
    expect(result.fixed.find((f) => f.model === 'model-6')?.url).toContain(`:${missingGood.port}/`);
    // The token was asked for and used, and the other origin never saw it.
    expect(tokenAsked).toBeGreaterThanOrEqual(1);
    expect(gated.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(target.requests.length).toBeGreaterThan(0);
    expect(target.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    // No temp file beside final files.
    for (let i = 0; i < files.length; i++) {
      expect(await readdir(path.join(root, `model-${i}`, 'weights'))).toEqual([`part-${i}.safetensors`]);
    }
    // A quick verify afterwards is ok without reading a file.
    const after = await checker.verify();
    expect(after.ok).toBe(true);
    expect(after.stats.hashedFiles).toBe(0);
  });
});
