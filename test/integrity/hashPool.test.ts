import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/errors/classify.js';
import { HttpError } from '../../src/errors/HttpError.js';
import { HashPool, INLINE_LIMIT } from '../../src/integrity/hashPool.js';
import { buildManualSteps, shellQuote } from '../../src/integrity/manualSteps.js';
import { StatCache } from '../../src/integrity/statCache.js';
import { content, tempDir } from '../support/integrityFixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function dir(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

describe('HashPool', () => {
  it('hashes small (inline) and large (worker) files exactly, including empty and block-boundary sizes', async () => {
    const folder = await dir();
    const pool = new HashPool({ size: 2, blockSize: 64 * 1024 });
    cleanups.push(() => pool.close());
    const sizes = [0, 1, INLINE_LIMIT, INLINE_LIMIT + 1, 64 * 1024 * 3, 64 * 1024 * 3 + 7, 1_000_003];
    const results = await Promise.all(
      sizes.map(async (size, i) => {
        const file = path.join(folder, `f${i}`);
        const data = content(i, size);
        await writeFile(file, data);
        return {
          expected: createHash('sha256').update(data).digest('hex'),
          result: await pool.hash(file, { sizeHint: size }),
        };
      }),
    );
    for (const [i, { expected, result }] of results.entries()) {
      expect(result.sha256, `size ${sizes[i]}`).toBe(expected);
      expect(result.bytes).toBe(sizes[i]);
      expect(result.stable).toBe(true);
      expect(result.identity.size).toBe(sizes[i]);
    }
  });

  it('reports progress, rejects with the fs error for a missing file, and with cancelled on abort', async () => {
    const folder = await dir();
    const pool = new HashPool({ size: 1, blockSize: 64 * 1024, progressEvery: 64 * 1024 });
    cleanups.push(() => pool.close());
    const file = path.join(folder, 'big');
    await writeFile(file, content(7, 2_000_000));
    const seen: number[] = [];
    await pool.hash(file, { onProgress: (b) => seen.push(b) });
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every((b, i) => i === 0 || b > (seen[i - 1] ?? 0))).toBe(true);
    await expect(pool.hash(path.join(folder, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(pool.hash(file, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      category: 'cancelled',
    });
    const controller = new AbortController();
    const running = pool.hash(file, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(running).rejects.toMatchObject({ category: 'cancelled' });
    // Queued jobs behind an aborted one still run.
    expect((await pool.hash(file)).bytes).toBe(2_000_000);
  });
});

describe('StatCache', () => {
  it('puts one abort listener on a signal however many hashes wait on it (no MaxListenersExceededWarning)', async () => {
    const folder = await dir();
    const pool = new HashPool({ size: 2, blockSize: 64 * 1024 });
    cleanups.push(() => pool.close());
    const files = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const file = path.join(folder, `many-${i}`);
        const size = i % 2 === 0 ? 1000 : INLINE_LIMIT + 4096 * i;
        await writeFile(file, content(i, size));
        return { file, size };
      }),
    );
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const all = Promise.all(
        files.map((f) => pool.hash(f.file, { sizeHint: f.size, signal: controller.signal })),
      );
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      await all;
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

      const cancel = new AbortController();
      const pending = files.map((f) => pool.hash(f.file, { sizeHint: f.size, signal: cancel.signal }));
      expect(getEventListeners(cancel.signal, 'abort').length).toBeLessThanOrEqual(1);
      cancel.abort();
      const outcomes = await Promise.allSettled(pending);
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      for (const o of rejected) expect(classifyError(o.reason).category).toBe('cancelled');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('round-trips entries, rejects a changed identity and survives garbage', async () => {
    const folder = await dir();
    const file = path.join(folder, 'sub', 'cache.json');
    const identity = { size: 5, mtimeNs: '1', ctimeNs: '2', ino: '3' };
    const cache = new StatCache(file);
    await cache.load();
    cache.set('m/a', identity, 'a'.repeat(64));
    expect(await cache.save()).toBe(true);
    const again = new StatCache(file);
    await again.load();
    expect(again.get('m/a', identity)).toBe('a'.repeat(64));
    expect(again.get('m/a', { ...identity, ctimeNs: '9' })).toBeUndefined();
    expect(again.get('m/a', { ...identity, ino: '4' })).toBeUndefined();
    await writeFile(file, '\u0000garbage');
    const broken = new StatCache(file);
    await broken.load();
    expect(broken.size).toBe(0);
    // An unwritable location is not an error either.
    const nowhere = new StatCache(path.join(file, 'cannot', 'be', 'here.json'));
    nowhere.set('k', identity, 'b'.repeat(64));
    expect(await nowhere.save()).toBe(false);
  });
});

describe('buildManualSteps', () => {
  const base = {
    model: 'Wan2.2-TI2V-5B',
    path: 'Wan2.2_VAE.pth',
    status: 'missing' as const,
    dest: "/models/it's here/Wan2.2_VAE.pth",
    size: 2 * 1024 ** 3,
    sha256: 'c'.repeat(64),
    urls: ['https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/abc/Wan2.2_VAE.pth', 'https://mirror/x'],
  };

  it('guides through a gated model (401): licence page, token, curl with the header, checksum, verify', () => {
    const steps = buildManualSteps({
      ...base,
      classification: classifyError(new HttpError(401, 'unauthorized')),
      platform: 'linux',
    });
    expect(steps[0]).toContain('https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B');
    expect(steps.join('\n')).toContain('HF_TOKEN');
    expect(steps.join('\n')).toContain('Authorization: Bearer $HF_TOKEN');
    expect(steps.join('\n')).toContain(`'/models/it'\\''s here/Wan2.2_VAE.pth.download'`);
    expect(steps.join('\n')).toContain('c'.repeat(64));
    expect(steps.at(-1)).toMatch(/verify again/);
  });

  it('names the space needed when the disk is full, and uses PowerShell on Windows', () => {
    const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const steps = buildManualSteps({ ...base, classification: classifyError(enospc), platform: 'win32' });
    expect(steps[0]).toContain('2.0 GiB');
    expect(steps.join('\n')).toContain('Invoke-WebRequest');
    expect(steps.join('\n')).toContain('Get-FileHash');
    expect(shellQuote('plain/path.bin')).toBe('plain/path.bin');
    expect(shellQuote('a b')).toBe("'a b'");
  });
});
