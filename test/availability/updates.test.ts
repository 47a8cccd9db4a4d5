import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelAvailability } from '../../src/availability/ModelAvailability.js';
import { parseManifest } from '../../src/integrity/manifest.js';
import { sha256Hex } from '../support/availability-server.js';
import { data, type Fixture, fixture, I2V, REVISION, T2V, TI2V } from './fixtures.js';

let fx: Fixture;

beforeEach(async () => {
  fx = await fixture();
});

afterEach(async () => {
  await fx.cleanup();
});

const NEXT = 'b'.repeat(40);
const apiPath = (id: string) => `/api/models/Wan-AI/${id}/revision/main`;
const treePath = (id: string, sha: string) => `/api/models/Wan-AI/${id}/tree/${sha}`;

/** A tree entry as the Hub lists an LFS file. */
function lfs(id: string, filePath: string) {
  const bytes = data(id, filePath);
  return {
    type: 'file',
    path: filePath,
    size: bytes.length,
    oid: 'b'.repeat(40),
    lfs: { oid: sha256Hex(bytes), size: bytes.length, pointerSize: 134 },
  };
}

describe('checkForUpdates', () => {
  it('compares the installed revision with the Hub and lists what an update would download', async () => {
    fx.server.json.set(apiPath(T2V), { id: `Wan-AI/${T2V}`, sha: NEXT });
    fx.server.json.set(treePath(T2V, NEXT), [
      { type: 'directory', path: 'high_noise_model', size: 0, oid: '0'.repeat(40) },
      lfs(T2V, 'high_noise_model/diffusion.safetensors'),
      {
        type: 'file',
        path: 'low_noise_model/diffusion.safetensors',
        size: 210_000,
        oid: 'c'.repeat(40),
        lfs: { oid: 'f'.repeat(64), size: 210_000, pointerSize: 134 },
      },
      { type: 'file', path: 'README.md', size: 2048, oid: 'd'.repeat(40) },
    ]);
    fx.server.json.set(apiPath(TI2V), { sha: REVISION });
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      usageStore: false,
      updates: { baseUrl: fx.server.url, token: () => 'hf_secret' },
    });
    const report = await availability.checkForUpdates({ models: [T2V, TI2V] });
    expect(report.updatesAvailable).toBe(true);
    const [t2v, ti2v] = report.models;
    expect(t2v).toMatchObject({
      id: T2V,
      installedRevision: REVISION,
      remoteRevision: NEXT,
      updateAvailable: true,
      source: 'hub',
      downloadBytes: 210_000,
    });
    // README.md is not in the manifest: an update would not download it.
    expect(t2v?.files).toEqual([
      { path: 'low_noise_model/diffusion.safetensors', size: 210_000, change: 'changed' },
      { path: 'Wan2.1_VAE.pth', size: 50_000, change: 'removed' },
    ]);
    expect(ti2v).toMatchObject({
      updateAvailable: false,
      remoteRevision: REVISION,
      files: [],
      downloadBytes: 0,
    });
    expect(fx.server.jsonAuth).toEqual(['Bearer hf_secret', 'Bearer hf_secret', 'Bearer hf_secret']);
  });

  it('reports a failed check per model (redacted) without failing the others', async () => {
    fx.server.json.set(apiPath(TI2V), { sha: REVISION });
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      usageStore: false,
      updates: { baseUrl: fx.server.url },
    });
    const report = await availability.checkForUpdates({ models: [I2V, TI2V] });
    expect(report.models[0]).toMatchObject({ id: I2V, updateAvailable: undefined, files: [] });
    expect(report.models[0]?.error).toMatch(/answered 404$/);
    // Unchanged revision: no tree is read, no update.
    expect(report.models[1]).toMatchObject({ id: TI2V, updateAvailable: false });
    expect(report.updatesAvailable).toBe(false);
  });

  it('a moved revision with identical files is no update; an uncomparable small file is listed as unverified', async () => {
    fx.server.json.set(apiPath(TI2V), { sha: NEXT });
    fx.server.json.set(treePath(TI2V, NEXT), [lfs(TI2V, 'Wan2.2_VAE.pth')]);
    fx.server.json.set(apiPath(I2V), { sha: NEXT });
    fx.server.json.set(treePath(I2V, NEXT), [
      { type: 'file', path: 'weights.safetensors', size: 60_000, oid: 'd'.repeat(40) },
    ]);
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      usageStore: false,
      updates: { baseUrl: fx.server.url },
    });
    const [ti2v, i2v] = (await availability.checkForUpdates({ models: [TI2V, I2V] })).models;
    expect(ti2v).toMatchObject({ remoteRevision: NEXT, updateAvailable: false, files: [], unverified: [] });
    expect(i2v).toMatchObject({ updateAvailable: true, files: [], unverified: ['weights.safetensors'] });
  });

  it('compares with a newer manifest instead of the Hub', async () => {
    const availability = new ModelAvailability({ root: fx.root, manifest: fx.manifest, usageStore: false });
    const raw = JSON.parse(JSON.stringify(fx.manifest)) as {
      models: { id: string; revision: string; files: { path: string; size: number; sha256: string }[] }[];
    };
    const ti2v = raw.models.find((m) => m.id === TI2V);
    if (!ti2v) throw new Error('fixture changed');
    ti2v.revision = NEXT;
    ti2v.files = [{ path: 'Wan2.2_VAE.pth', size: 41_000, sha256: 'e'.repeat(64) }];
    const report = await availability.checkForUpdates({ manifest: parseManifest(raw) });
    const byId = new Map(report.models.map((m) => [m.id, m]));
    expect(byId.get(TI2V)).toMatchObject({
      updateAvailable: true,
      source: 'manifest',
      remoteRevision: NEXT,
      downloadBytes: 41_000,
      files: [{ path: 'Wan2.2_VAE.pth', size: 41_000, change: 'changed' }],
    });
    expect(byId.get(T2V)?.updateAvailable).toBe(false);
  });

  it('without a repository it can derive, says how to configure one', async () => {
    const availability = new ModelAvailability({ root: fx.root, manifest: fx.manifest, usageStore: false });
    const report = await availability.checkForUpdates({ models: [TI2V] });
    expect(report.models[0]?.error).toMatch(
      /no Hub repository is known for Wan2.2-TI2V-5B: give updates.repoOf/,
    );
  });
});
