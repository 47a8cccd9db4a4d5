import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelAvailability } from '../../src/availability/ModelAvailability.js';
import type { AvailabilityProgress } from '../../src/availability/types.js';
import { Downloader } from '../../src/downloads/Downloader.js';
import { ModelUnavailableError } from '../../src/errors/ModelUnavailableError.js';
import { isReliabilityError } from '../../src/errors/ReliabilityError.js';
import { deadPort } from '../support/availability-server.js';
import { type Fixture, fixture, I2V, T2V, TI2V, until, urlPath } from './fixtures.js';

let fx: Fixture;
let downloader: Downloader;

afterEach(async () => {
  downloader?.close();
  await fx?.cleanup();
});

describe('ensureReady with a reachable mirror', () => {
  beforeEach(async () => {
    fx = await fixture();
    downloader = new Downloader();
  });

  it('ten concurrent callers share one download of each file; an aborted caller cancels no one else', async () => {
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    const ready: string[] = [];
    availability.on('availability:ready', (e) => ready.push(e.id));
    fx.server.hold();
    const quitter = new AbortController();
    const callers = Array.from({ length: 10 }, (_, i) =>
      availability.ensureReady(T2V, i === 3 ? { signal: quitter.signal } : {}).then(
        () => 'ready',
        (error: unknown) => error,
      ),
    );
    await until(() => fx.server.waiting === 3);
    const [during] = await availability.status(T2V);
    expect(during).toMatchObject({ state: 'downloading', mode: 'mock', percent: 0 });
    quitter.abort();
    const aborted = await callers[3];
    expect(isReliabilityError(aborted) && aborted.category).toBe('cancelled');
    fx.server.release();
    const outcomes = await Promise.all(callers);
    expect(outcomes.filter((o) => o === 'ready')).toHaveLength(9);
    for (const file of fx.manifest.models.find((m) => m.id === T2V)?.files ?? []) {
      expect(fx.server.count(urlPath(T2V, file.path))).toBe(1);
    }
    expect(ready).toEqual([T2V]);
    const [after] = await availability.status(T2V);
    expect(after).toEqual({ id: T2V, state: 'ready', mode: 'real' });
  });

  it('reports progress to waiting callers and resolves at once when the model is already ready', async () => {
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    const seen: AvailabilityProgress[] = [];
    await availability.ensureReady(TI2V, { onProgress: (p) => seen.push(p) });
    expect(seen[0]).toMatchObject({ id: TI2V, bytesDone: 0, bytesTotal: 40_000, percent: 0 });
    expect(seen.at(-1)).toMatchObject({ bytesDone: 40_000, percent: 100 });
    const requests = fx.server.count(urlPath(TI2V, 'Wan2.2_VAE.pth'));
    await availability.ensureReady(TI2V);
    expect(fx.server.count(urlPath(TI2V, 'Wan2.2_VAE.pth'))).toBe(requests);
  });

  it('when every caller leaves, the download pauses; the next caller resumes and finishes it', async () => {
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    fx.server.hold();
    const a = new AbortController();
    const b = new AbortController();
    const first = Promise.allSettled([
      availability.ensureReady(I2V, { signal: a.signal }),
      availability.ensureReady(I2V, { signal: b.signal }),
    ]);
    await until(() => fx.server.waiting === 1);
    a.abort();
    b.abort();
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fx.server.release();
    await availability.ensureReady(I2V, { timeout: 10_000 });
    expect((await availability.status(I2V))[0]?.mode).toBe('real');
  });

  it('a failed download rejects every caller with the reason and the manual steps', async () => {
    fx.server.files.delete(urlPath(I2V, 'weights.safetensors'));
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    const errors = await Promise.all(
      [availability.ensureReady(I2V), availability.ensureReady(I2V)].map((p) => p.catch((e: unknown) => e)),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(ModelUnavailableError);
      expect((error as ModelUnavailableError).reason).toMatch(
        /^download failed \(1 file; weights\.safetensors: /,
      );
      expect((error as ModelUnavailableError).steps.length).toBeGreaterThan(2);
    }
    expect(fx.server.count(urlPath(I2V, 'weights.safetensors'))).toBe(1);
    const [status] = await availability.status(I2V);
    expect(status?.reason).toMatch(/the last attempt failed: download failed/);
  });

  it('with background, a timed-out caller leaves the download running until the model is ready', async () => {
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    fx.server.hold();
    const ready = new Promise<string>((resolve) =>
      availability.once('availability:ready', (e) => resolve(e.id)),
    );
    const error = await availability
      .ensureReady(I2V, { timeout: 50, background: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).reason).toMatch(/^not ready within 50 ms/);
    expect((error as ModelUnavailableError).category).toBe('timeout');
    fx.server.release();
    expect(await ready).toBe(I2V);
    expect((await availability.status(I2V))[0]).toEqual({ id: I2V, state: 'ready', mode: 'real' });
  });
});

describe('ensureReady with no reachable mirror', () => {
  it('rejects within its timeout naming ready alternatives and steps; status then says mock with a reason', async () => {
    const port = await deadPort();
    fx = await fixture({ [T2V]: `http://127.0.0.1:${port}/Wan-AI/${T2V}/resolve/{revision}/` });
    downloader = new Downloader();
    await fx.install(TI2V);
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    const started = Date.now();
    const error = await availability.ensureReady(T2V, { timeout: 1000 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ModelUnavailableError);
    const unavailable = error as ModelUnavailableError;
    expect(elapsed).toBeLessThan(3000);
    expect(unavailable.alternatives).toEqual([TI2V]); // I2V is an alternative too, but not installed
    expect(unavailable.message).toContain(`Ready alternatives: ${TI2V}`);
    expect(unavailable.steps.join('\n')).toContain(`ensureReady('${T2V}')`);
    expect(unavailable.steps.join('\n')).toContain(`127.0.0.1:${port}`);
    const [status] = await availability.status(T2V);
    expect(status).toMatchObject({ id: T2V, state: 'absent', mode: 'mock', alternatives: [TI2V] });
    expect(status?.reason).toContain('not installed');
    expect(status?.reason).toContain('the last attempt failed: not ready within 1000 ms');
    expect(status?.steps?.length).toBeGreaterThan(0);
  });

  it('rejects unknown ids with a ModelUnavailableError naming the known ones', async () => {
    fx = await fixture();
    downloader = new Downloader();
    const availability = new ModelAvailability({
      root: fx.root,
      manifest: fx.manifest,
      downloader,
      usageStore: false,
    });
    await expect(availability.ensureReady('nope')).rejects.toThrow(/lists no model "nope".*Wan2.2-T2V-A14B/);
  });
});
