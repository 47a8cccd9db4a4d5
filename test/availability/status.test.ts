import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelAvailability } from '../../src/availability/ModelAvailability.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { data, type Fixture, fixture, I2V, T2V, TI2V } from './fixtures.js';

let fx: Fixture;

beforeEach(async () => {
  fx = await fixture();
});

afterEach(async () => {
  await fx.cleanup();
});

const make = (extra: Partial<ConstructorParameters<typeof ModelAvailability>[0]> = {}) =>
  new ModelAvailability({ root: fx.root, manifest: fx.manifest, usageStore: false, ...extra });

describe('status', () => {
  it('tells ready, absent, incomplete and corrupt apart, with mode and reason on every answer', async () => {
    await fx.install(TI2V);
    const high = 'high_noise_model/diffusion.safetensors';
    await mkdir(path.join(fx.root, T2V, 'high_noise_model'), { recursive: true });
    await writeFile(path.join(fx.root, T2V, high), data(T2V, high));
    const vae = data(I2V, 'weights.safetensors');
    vae[10] = (vae[10] ?? 0) ^ 0xff;
    await mkdir(path.join(fx.root, I2V), { recursive: true });
    await writeFile(path.join(fx.root, I2V, 'weights.safetensors'), vae);

    const statuses = await make().status();
    const byId = new Map(statuses.map((s) => [s.id, s]));
    expect(statuses.map((s) => s.id)).toEqual([T2V, TI2V, I2V]);
    expect(byId.get(TI2V)).toEqual({ id: TI2V, state: 'ready', mode: 'real' });
    expect(byId.get(T2V)).toMatchObject({
      state: 'incomplete',
      mode: 'mock',
      missing: ['low_noise_model/diffusion.safetensors', 'Wan2.1_VAE.pth'],
      bytesToDownload: 250_000,
      alternatives: [TI2V],
      reason: 'incomplete: 2 of 3 files missing or partial (250.0 kB to download)',
    });
    expect(byId.get(I2V)).toMatchObject({ state: 'corrupt', mode: 'mock', missing: ['weights.safetensors'] });
    expect(byId.get(I2V)?.reason).toMatch(/^corrupt: 1 of 1 files fail their checksum or size/);
    expect(byId.get(I2V)?.steps?.[0]).toMatch(/^Repair it/);
  });

  it('an absent model says so and how to get it; installer steps replace the generic ones', async () => {
    const availability = make({ setupSteps: (model) => [`npx wan22-installer install --model ${model.id}`] });
    const [status] = await availability.status(T2V);
    expect(status).toMatchObject({
      state: 'absent',
      mode: 'mock',
      reason: 'not installed (550.0 kB to download)',
      steps: [`npx wan22-installer install --model ${T2V}`],
      alternatives: [],
    });
  });

  it('throws a ConfigurationError for an unknown id and for invalid options', async () => {
    await expect(make().status('nope')).rejects.toBeInstanceOf(ConfigurationError);
    expect(() => make({ usageStore: 42 as never })).toThrow(ConfigurationError);
    expect(() => make({ checker: {} as never })).toThrow(/ModelAvailability.checker/);
    expect(() => make({ updates: { baseUrl: 'ftp://x' } })).toThrow(/updates.baseUrl/);
  });
});

describe('usage and cleanup', () => {
  it('counts uses, persists them across instances and names most and least used', async () => {
    let clock = Date.parse('2026-11-01T00:00:00Z');
    const first = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      now: () => (clock += 86_400_000),
    });
    await Promise.all([first.recordUse(T2V), first.recordUse(T2V), first.recordUse(T2V)]);
    await first.recordUse(I2V);
    const second = new ModelAvailability({ root: fx.root, manifest: fx.manifest });
    const usage = await second.usage();
    expect(usage.models.map((m) => [m.id, m.uses])).toEqual([
      [T2V, 3],
      [I2V, 1],
      [TI2V, 0],
    ]);
    expect(usage.mostUsed).toBe(T2V);
    expect(usage.leastUsed).toBe(TI2V);
    expect(usage.models[1]?.lastUsed).toBe('2026-11-05T00:00:00.000Z');
    await expect(first.recordUse('nope')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('suggests the least-used installed models, just enough to free needBytes', async () => {
    for (const id of [T2V, TI2V, I2V]) await fx.install(id);
    const availability = make();
    await availability.recordUse(T2V);
    await availability.recordUse(T2V);
    await availability.recordUse(I2V);
    const some = await availability.suggestCleanup({ needBytes: 50_000 });
    expect(some.candidates.map((c) => [c.id, c.bytes, c.reason])).toEqual([
      [TI2V, 40_000, 'never used'],
      [I2V, 60_000, expect.stringMatching(/^used 1 time, last on \d{4}-\d\d-\d\d$/)],
    ]);
    expect(some).toMatchObject({ freedBytes: 100_000, enough: true, needBytes: 50_000 });
    expect(some.candidates[0]?.path).toBe(path.join(fx.root, TI2V));
    const kept = await availability.suggestCleanup({ needBytes: 10_000_000, keep: [TI2V] });
    expect(kept.candidates.map((c) => c.id)).toEqual([I2V, T2V]);
    expect(kept.enough).toBe(false);
  });
});

describe('usage file compatibility', () => {
  it('reads records without firstUsed (older installer files) and skips unusable ones', async () => {
    const file = path.join(fx.root, '.wan22', 'usage.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        models: {
          [T2V]: { uses: 2, lastUsed: '2026-10-01T00:00:00.000Z' },
          [I2V]: { uses: -1, lastUsed: 'x' },
          [TI2V]: { uses: 1, lastUsed: null },
        },
      }),
    );
    const availability = make({ usageStore: file });
    expect((await availability.usage()).models.map((m) => [m.id, m.uses])).toEqual([
      [T2V, 2],
      [TI2V, 0],
      [I2V, 0],
    ]);
    const record = await availability.recordUse(T2V);
    expect(record).toMatchObject({ uses: 3, firstUsed: '2026-10-01T00:00:00.000Z' });
  });
});
