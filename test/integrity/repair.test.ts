import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { HashPool } from '../../src/integrity/hashPool.js';
import { ModelIntegrityChecker } from '../../src/integrity/ModelIntegrityChecker.js';
import { parseManifest } from '../../src/integrity/manifest.js';
import type { FileFetcher } from '../../src/integrity/types.js';
import {
  content,
  type FileServer,
  type FixtureFile,
  install,
  serveModels,
  startIntegrityEnv,
} from '../support/integrityFixtures.js';

const MODELS: Record<string, FixtureFile[]> = {
  'Wan2.2-TI2V-5B': [
    { path: 'Wan2.2_VAE.pth', data: content(11, 400_000) },
    { path: 'config.json', data: Buffer.from('{"model":"ti2v"}') },
    { path: 'google/umt5-xxl/spiece.model', data: content(12, 90_000) },
  ],
  'Wan2.2-T2V-A14B': [
    { path: 'high_noise_model/model.safetensors', data: content(13, 250_000) },
    { path: 'dir with space/a#b.bin', data: content(14, 10_000) },
  ],
};
const FILES = Object.values(MODELS).flat().length;

let root: string;
let stop: () => Promise<void>;
let server: FileServer;
let pool: HashPool;
let manifest: ReturnType<typeof parseManifest>;

const downloaders: Downloader[] = [];

/** The package's real Downloader (short retry delays so failing mirrors fail fast). */
function makeFetcher(): Downloader {
  const downloader = new Downloader({ retry: { retries: 2, delays: [20, 40] }, breaker: false });
  downloaders.push(downloader);
  return downloader;
}

beforeEach(async () => {
  ({ root, server, manifest, pool, stop } = await startIntegrityEnv(MODELS));
});

afterEach(async () => {
  for (const d of downloaders.splice(0)) d.close();
  await stop();
});

const checker = (downloader: FileFetcher | undefined = makeFetcher()) =>
  new ModelIntegrityChecker({ root, manifest, hasher: pool, downloader });

async function expectExact(): Promise<void> {
  for (const [id, files] of Object.entries(MODELS)) {
    for (const file of files) {
      const data = await readFile(path.join(root, id, ...file.path.split('/')));
      expect(data.equals(file.data), `${id}/${file.path}`).toBe(true);
    }
  }
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('ModelIntegrityChecker.repair (real loopback HTTP)', () => {
  it('installs everything from an empty root, then a quick verify needs no hashing', async () => {
    const c = checker();
    const result = await c.repair();
    expect(result.ok).toBe(true);
    expect(result.failed).toEqual([]);
    expect(result.fixed).toHaveLength(FILES);
    expect(result.fixed.every((f) => f.action === 'downloaded')).toBe(true);
    expect(server.downloads()).toHaveLength(FILES);
    expect(result.report.stats.hashedFiles).toBe(0); // the downloader already verified what it placed
    await expectExact();
    // No temp file beside final files.
    const tree = await listTree(root);
    expect(
      tree.filter((p) => !p.startsWith('.wan-reliability') && !p.includes(`${path.sep}.wan-reliability`)),
    ).toHaveLength(FILES);
  });

  it('a byte flipped on disk: found by deep verify, repair re-fetches only that file', async () => {
    await install(root, MODELS);
    await checker().verify();
    const vae = path.join(root, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
    const handle = await open(vae, 'r+');
    await handle.write(Buffer.from([MODELS['Wan2.2-TI2V-5B']![0]!.data[4242]! ^ 0x01]), 0, 1, 4242);
    await handle.close();

    const c = checker();
    const report = await c.verify({ deep: true });
    expect(report.models[0]?.files[0]?.status).toBe('corrupt');
    const result = await c.repair(report);
    expect(result.ok).toBe(true);
    expect(result.fixed).toEqual([
      expect.objectContaining({ model: 'Wan2.2-TI2V-5B', path: 'Wan2.2_VAE.pth', action: 'downloaded' }),
    ]);
    expect(server.downloads().map((r) => r.path)).toEqual(['/Wan2.2-TI2V-5B/rev1/Wan2.2_VAE.pth']);
    await expectExact();
  });

  it('a deleted file: repair fetches only that one (URL-encoded path)', async () => {
    await install(root, MODELS);
    await rm(path.join(root, 'Wan2.2-T2V-A14B', 'dir with space', 'a#b.bin'));
    const result = await checker().repair();
    expect(result.ok).toBe(true);
    expect(server.downloads().map((r) => r.path)).toEqual(['/Wan2.2-T2V-A14B/rev1/dir with space/a#b.bin']);
    await expectExact();
  });

  it('a file moved inside its model folder: misplaced, moved back with no request made', async () => {
    await install(root, MODELS);
    const model = path.join(root, 'Wan2.2-TI2V-5B');
    await mkdir(path.join(model, 'Downloads'), { recursive: true });
    await rename(
      path.join(model, 'google', 'umt5-xxl', 'spiece.model'),
      path.join(model, 'Downloads', 'spiece (1).model'),
    );
    const c = checker();
    const moved: unknown[] = [];
    c.on('integrity:repaired', (e) => moved.push(e));
    const report = await c.verify();
    expect(report.models[0]?.files[2]).toMatchObject({
      status: 'misplaced',
      foundAt: 'Downloads/spiece (1).model',
    });
    const result = await c.repair(report);
    expect(result.ok).toBe(true);
    expect(result.fixed).toEqual([
      {
        model: 'Wan2.2-TI2V-5B',
        path: 'google/umt5-xxl/spiece.model',
        action: 'moved',
        from: 'Downloads/spiece (1).model',
      },
    ]);
    expect(moved).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
    await expectExact();
  });

  it('a misplaced copy replaces a corrupt file at the right path, still with no request', async () => {
    await install(root, MODELS);
    const model = path.join(root, 'Wan2.2-T2V-A14B');
    const target = path.join(model, 'high_noise_model', 'model.safetensors');
    await rename(target, path.join(model, 'copy.safetensors'));
    await writeFile(target, content(99, 250_000));
    const result = await checker().repair();
    expect(result.ok).toBe(true);
    expect(result.fixed[0]).toMatchObject({ action: 'moved', from: 'copy.safetensors' });
    expect(server.requests).toHaveLength(0);
    await expectExact();
  });

  it('without a downloader: files fail with configuration category and manual steps', async () => {
    await install(root, MODELS);
    await rm(path.join(root, 'Wan2.2-TI2V-5B', 'config.json'));
    const c = new ModelIntegrityChecker({ root, manifest, hasher: pool });
    const failures: unknown[] = [];
    c.on('integrity:repair-failed', (e) => failures.push(e));
    const result = await c.repair();
    expect(result.ok).toBe(false);
    expect(result.failed).toHaveLength(1);
    const failed = result.failed[0]!;
    expect(failed).toMatchObject({
      model: 'Wan2.2-TI2V-5B',
      path: 'config.json',
      status: 'missing',
      category: 'configuration',
    });
    const steps = failed.manualSteps.join('\n');
    expect(steps).toMatch(/downloader/i);
    expect(steps).toContain(`http://127.0.0.1:${server.port}/Wan2.2-TI2V-5B/rev1/config.json`);
    expect(steps).toContain(manifest.models[0]!.files[1]!.sha256);
    expect(steps).toMatch(/verify again/i);
    expect(failures).toHaveLength(1);
    expect(result.report.ok).toBe(false);
  });

  it('a mirror answering 404: the file fails with guided steps, the others are repaired', async () => {
    const served = serveModels(server, MODELS);
    served.models[0]!.mirrors = [`http://127.0.0.1:${server.port}/nowhere/{revision}/`];
    const broken = parseManifest(served);
    const c = new ModelIntegrityChecker({ root, manifest: broken, hasher: pool, downloader: makeFetcher() });
    const result = await c.repair();
    expect(result.ok).toBe(false);
    expect(result.failed.map((f) => f.path).sort()).toEqual(
      MODELS['Wan2.2-TI2V-5B']!.map((f) => f.path).sort(),
    );
    expect(result.failed[0]?.manualSteps.some((s) => s.includes('curl -L --fail -C -'))).toBe(true);
    expect(result.fixed.map((f) => f.model)).toEqual(['Wan2.2-T2V-A14B', 'Wan2.2-T2V-A14B']);
    expect(result.report.models[1]?.ok).toBe(true);
  });

  it('a body cut mid-transfer is resumed with Range, serving about the file once (real Downloader)', async () => {
    const vaePath = '/Wan2.2-TI2V-5B/rev1/Wan2.2_VAE.pth';
    server.cutOnce.set(vaePath, 150_000);
    const result = await checker().repair();
    expect(result.ok).toBe(true);
    const vae = result.fixed.find((f) => f.path === 'Wan2.2_VAE.pth');
    expect(vae).toMatchObject({ action: 'downloaded', resumed: true });
    const requests = server.downloads('Wan2.2_VAE.pth');
    expect(requests.length).toBe(2);
    expect(requests[1]?.range).toMatch(/^bytes=\d+-/);
    expect(server.served.get(vaePath)).toBeLessThanOrEqual(400_000 * 1.02);
    await expectExact();
  });

  it('reports a kept partial as partial, and the next repair resumes it', async () => {
    const vaePath = '/Wan2.2-TI2V-5B/rev1/Wan2.2_VAE.pth';
    const dest = path.join(root, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
    // First run: the mirror sends part of the body then stalls; the user aborts (= pause).
    server.stallOnce.set(vaePath, 200_000);
    const controller = new AbortController();
    const safety = setTimeout(() => controller.abort(), 5000);
    await expect(
      checker().repair(undefined, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.path === 'Wan2.2_VAE.pth' && p.bytes > 0) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ category: 'cancelled' });
    clearTimeout(safety);
    const report = await checker().verify();
    const file = report.models[0]?.files[0];
    expect(file?.status).toBe('partial');
    expect(file?.partialBytes).toBeGreaterThan(0);
    const remaining = report.models
      .flatMap((m) => m.files)
      .filter((f) => f.status !== 'ok')
      .reduce((sum, f) => sum + f.expected.size - (f.partialBytes ?? 0), 0);
    expect(report.bytesToDownload).toBe(remaining);
    expect(report.bytesToDownload).toBeLessThan(
      Object.values(MODELS)
        .flat()
        .reduce((sum, f) => sum + f.data.length, 0),
    );
    const servedBefore = server.served.get(vaePath) ?? 0;
    const second = await checker().repair(report);
    expect(second.ok).toBe(true);
    expect(second.fixed).toContainEqual(expect.objectContaining({ path: 'Wan2.2_VAE.pth', resumed: true }));
    expect(server.downloads('Wan2.2_VAE.pth').at(-1)?.range).toBe(`bytes=${file?.partialBytes}-`);
    // Only the missing tail went over the wire.
    expect((server.served.get(vaePath) ?? 0) - servedBefore).toBe(400_000 - (file?.partialBytes ?? 0));
    await expectExact();
    await expect(readFile(dest)).resolves.toHaveLength(400_000);
  });

  it('an abort stops repair with a cancelled error', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(checker().repair(undefined, { signal: controller.signal })).rejects.toMatchObject({
      category: 'cancelled',
    });
  });
});
