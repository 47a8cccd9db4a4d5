import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/errors/classify.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { alternativeSource } from '../../src/recovery/strategies/alternativeSource.js';
import { cleanupTemp } from '../../src/recovery/strategies/cleanupTemp.js';
import { fixPermissions } from '../../src/recovery/strategies/fixPermissions.js';
import { manualIntervention } from '../../src/recovery/strategies/manualIntervention.js';
import { recreateVenv } from '../../src/recovery/strategies/recreateVenv.js';
import { redownloadCorrupt } from '../../src/recovery/strategies/redownloadCorrupt.js';
import { retryWithBackoff } from '../../src/recovery/strategies/retryWithBackoff.js';
import { safeDefaultsConfig } from '../../src/recovery/strategies/safeDefaultsConfig.js';
import type { RecoveryContext } from '../../src/recovery/types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'strategies-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(
  error: unknown,
  extra: Partial<RecoveryContext> = {},
): RecoveryContext & { steps: string[]; notes: string[] } {
  const steps: string[] = [];
  const notes: string[] = [];
  const classification = classifyError(error);
  return {
    error,
    classification,
    category: classification.category,
    component: 'c',
    operation: 'o',
    recoveryAttempts: 0,
    signal: new AbortController().signal,
    data: {},
    addManualStep: (s) => steps.push(s),
    addLink: () => {},
    note: (n) => notes.push(n),
    steps,
    notes,
    ...extra,
  };
}

const errno = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

describe('retryWithBackoff', () => {
  it('waits and retries until its budget is spent, honouring the server delay', async () => {
    const s = retryWithBackoff({ delays: [1, 1] });
    const error = Object.assign(new Error('busy'), { status: 503, headers: { 'retry-after': '0' } });
    expect(await s.applies?.(context(error))).toBe(true);
    expect(await s.run(context(error))).toBe('retry');
    expect(await s.run(context(error, { recoveryAttempts: 1 }))).toBe('retry');
    expect(await s.run(context(error, { recoveryAttempts: 2 }))).toBe('fail');
    const server = context(Object.assign(new Error('slow down'), { status: 429, retryAfterMs: 30 }));
    const started = Date.now();
    await s.run(server);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(server.notes[0]).toMatch(/waited 30 ms/);
  });

  it('does not apply to errors that are not retryable and stops when aborted', async () => {
    const s = retryWithBackoff({ delays: [10_000] });
    expect(await s.applies?.(context(errno('EACCES')))).toBe(false);
    const controller = new AbortController();
    const running = s.run(context(errno('ECONNRESET'), { signal: controller.signal }));
    controller.abort();
    await expect(running).rejects.toMatchObject({ category: 'cancelled' });
    expect(() => retryWithBackoff({ delays: [-1] })).toThrow(/delays/);
  });
});

describe('alternativeSource', () => {
  it('switches to each source once per call, then no longer applies', async () => {
    const used: string[] = [];
    const s = alternativeSource({
      sources: ['https://mirror-a', 'https://mirror-b'],
      use: (u) => void used.push(u),
    });
    const first = context(errno('ECONNRESET'));
    expect(await s.run(first)).toBe('retry');
    const again = context(errno('ECONNRESET'), { recoveryAttempts: 1 });
    expect(await s.applies?.(again)).toBe(true);
    expect(await s.run(again)).toBe('retry');
    expect(await s.applies?.(context(errno('ECONNRESET'), { recoveryAttempts: 2 }))).toBe(false);
    expect(used).toEqual(['https://mirror-a', 'https://mirror-b']);
    expect(first.notes).toEqual(['switched to https://mirror-a']);
    // a new call starts over
    expect(await s.applies?.(context(errno('ECONNRESET')))).toBe(true);
  });
});

describe('cleanupTemp', () => {
  it('removes only our stale partials and temp files, oldest first, then asks for a retry', async () => {
    const work = path.join(dir, '.wan-reliability');
    const stale = path.join(work, 'partial', 'model.safetensors.0123456789abcdef');
    const active = path.join(work, 'partial', 'other.bin.fedcba9876543210');
    await mkdir(stale, { recursive: true });
    await mkdir(active, { recursive: true });
    await mkdir(path.join(work, 'tmp'), { recursive: true });
    const files: Record<string, { size: number; age: number }> = {
      [path.join(stale, 'w1.part')]: { size: 4096, age: 3 },
      [path.join(stale, 'w1.json')]: { size: 10, age: 3 },
      [path.join(stale, 'claim')]: { size: 0, age: 3 },
      [path.join(active, 'w2.part')]: { size: 2048, age: 3 },
      [path.join(active, 'claim')]: { size: 0, age: 0 }, // a live writer
      [path.join(work, 'tmp', 'scratch')]: { size: 100, age: 2 },
      [path.join(work, 'recovery.json')]: { size: 20, age: 5 }, // our store: not temp
      [path.join(work, 'fresh.tmp')]: { size: 50, age: 0 },
      [path.join(dir, 'model.safetensors')]: { size: 999, age: 9 }, // a model file outside
    };
    for (const [file, { size, age }] of Object.entries(files)) {
      await writeFile(file, Buffer.alloc(size));
      await utimes(file, hoursAgo(age), hoursAgo(age));
    }
    const outside = path.join(dir, 'user-data.tmp');
    await writeFile(outside, 'precious');
    await utimes(outside, hoursAgo(9), hoursAgo(9));
    await symlink(outside, path.join(work, 'link.tmp'));

    const s = cleanupTemp({ root: dir });
    const ctx = context(errno('ENOSPC'));
    expect(await s.run(ctx)).toBe('retry');
    expect(ctx.notes[0]).toMatch(/removed 4 stale temporary files \(4.1 KiB\)/);
    await expect(stat(stale)).rejects.toThrow(); // emptied folder removed
    for (const kept of [
      path.join(active, 'w2.part'),
      path.join(work, 'recovery.json'),
      path.join(work, 'fresh.tmp'),
      path.join(dir, 'model.safetensors'),
      outside,
    ]) {
      await expect(stat(kept)).resolves.toBeDefined();
    }
    expect((await readdir(work)).sort()).toEqual(['fresh.tmp', 'link.tmp', 'partial', 'recovery.json']);

    const nothing = context(errno('ENOSPC'));
    expect(await s.run(nothing)).toBe('fail');
    expect(nothing.steps[0]).toMatch(/No stale temporary files/);
  });

  it('stops once enough bytes are freed and takes the root from recover() data', async () => {
    const work = path.join(dir, '.wan-reliability', 'tmp');
    await mkdir(work, { recursive: true });
    for (const [name, age] of [
      ['old', 5],
      ['older', 6],
      ['newer', 2],
    ] as const) {
      const file = path.join(work, name);
      await writeFile(file, Buffer.alloc(1000));
      await utimes(file, hoursAgo(age), hoursAgo(age));
    }
    const registry = new RecoveryRegistry().register('disk_full', cleanupTemp({ needBytes: 1500 }));
    const result = await registry.recover(errno('ENOSPC'), { data: { root: dir } });
    expect(result).toMatchObject({ action: 'retry', strategy: 'cleanup-temp' });
    expect((await readdir(work)).sort()).toEqual(['newer']);
  });

  it('removes nothing when the work folder is a symbolic link out of the root', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'wan-outside-'));
    try {
      const stale = path.join(outside, 'partial', 'f.bin.0123456789abcdef', 'w1.part');
      await mkdir(path.dirname(stale), { recursive: true });
      await writeFile(stale, Buffer.alloc(4096));
      await utimes(stale, hoursAgo(9), hoursAgo(9));
      await symlink(outside, path.join(dir, '.wan-reliability'));
      const ctx = context(errno('ENOSPC'));
      expect(await cleanupTemp({ root: dir }).run(ctx)).toBe('fail');
      expect(ctx.steps[0]).toMatch(/leads outside .*nothing was removed/);
      expect((await stat(stale)).size).toBe(4096);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('ends as manual when there is nothing to remove', async () => {
    const registry = new RecoveryRegistry().register('disk_full', cleanupTemp({ root: dir }));
    const result = await registry.recover(errno('ENOSPC'));
    // Narrows the result: only a manual one has steps.
    assert(result.action === 'manual');
    expect(result.manualSteps?.[0]).toMatch(/No stale temporary files of ours were found/);
  });
});

describe('fixPermissions', () => {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  it("restores the owner's own bits on a file we own, then retries", async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{}', { mode: 0o400 });
    const s = fixPermissions();
    const ctx = context(errno('EACCES', { path: file }));
    expect(await s.applies?.(ctx)).toBe(true);
    expect(await s.run(ctx)).toBe('retry');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(ctx.notes[0]).toMatch(/added the owner's rw bits/);
  });

  it.skipIf(!isRoot)('explains, without changing anything, when another user owns the path', async () => {
    const folder = path.join(dir, 'models');
    await mkdir(folder, { mode: 0o755 });
    await chown(folder, 12345, 12345);
    const s = fixPermissions({ paths: [path.join(folder, 'missing-file')] });
    const ctx = context(errno('EACCES'));
    // as root we are not the owner: nothing may be fixed by chown or sudo
    expect(await s.run(ctx)).toBe('fail');
    expect(ctx.steps[0]).toMatch(/belongs to user id 12345.*sudo chown -R 0/);
    expect((await stat(folder)).uid).toBe(12345);
  });

  it('does not apply without a path', async () => {
    expect(await fixPermissions().applies?.(context(errno('EACCES')))).toBe(false);
  });
});

describe('recreateVenv (real python3)', () => {
  const python = (() => {
    try {
      execFileSync('python3', ['-c', 'import venv'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!python && !process.env.CI)(
    'recreates a broken virtual environment with python -m venv --clear',
    async () => {
      const venv = path.join(dir, 'venv');
      execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
      await writeFile(path.join(venv, 'broken-marker'), 'x');
      await rm(path.join(venv, 'bin'), { recursive: true, force: true });
      // --without-pip keeps the test fast (ensurepip takes ~25 s on a busy machine); the default keeps pip
      const registry = new RecoveryRegistry().register(
        'dependency',
        recreateVenv({ dir: venv, venvArgs: ['--without-pip'] }),
      );
      const error = Object.assign(new Error('No module named torch'), { code: 'MODULE_NOT_FOUND' });
      const result = await registry.recover(error);
      expect(result).toMatchObject({ action: 'retry', strategy: 'recreate-venv' });
      expect(await readFile(path.join(venv, 'pyvenv.cfg'), 'utf8')).toMatch(/home\s*=/);
      await expect(stat(path.join(venv, 'broken-marker'))).rejects.toThrow();
      const version = execFileSync(path.join(venv, 'bin', 'python'), [
        '-c',
        'import sys; print(sys.prefix)',
      ]).toString();
      expect(version.trim()).toBe(venv);
    },
    120_000,
  );

  it('refuses to clear a folder that is not a virtual environment', async () => {
    const folder = path.join(dir, 'not-a-venv');
    await mkdir(folder);
    await writeFile(path.join(folder, 'thesis.tex'), 'precious');
    const ctx = context(errno('MODULE_NOT_FOUND'), { data: { venv: folder } });
    expect(await recreateVenv().run(ctx)).toBe('fail');
    expect(ctx.steps[0]).toMatch(/does not look like a virtual environment/);
    expect(await readFile(path.join(folder, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('fails with a manual step when python is missing', async () => {
    const ctx = context(errno('MODULE_NOT_FOUND'));
    const s = recreateVenv({ dir: path.join(dir, 'v'), python: path.join(dir, 'no-such-python') });
    expect(await s.run(ctx)).toBe('fail');
    expect(ctx.steps[0]).toMatch(/python3-venv/);
  });
});

describe('safeDefaultsConfig', () => {
  it('sets the broken file aside, writes defaults and continues', async () => {
    const file = path.join(dir, 'installer.json');
    await writeFile(file, '{ broken');
    const s = safeDefaultsConfig({ path: file, defaults: { concurrency: 2, mirror: 'hf' } });
    const ctx = context(Object.assign(new Error('bad config'), { code: 'ERR_BAD' }));
    expect(await s.run(ctx)).toBe('continue');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ concurrency: 2, mirror: 'hf' });
    const aside = (await readdir(dir)).find((f) => f.startsWith('installer.json.invalid-'));
    expect(aside).toBeDefined();
    expect(await readFile(path.join(dir, aside!), 'utf8')).toBe('{ broken');
    expect(await safeDefaultsConfig({ defaults: {}, outcome: 'retry' }).applies?.(ctx)).toBe(false);
  });
});

describe('redownloadCorrupt and manualIntervention', () => {
  it('delegates the redownload and retries; false fails', async () => {
    const calls: string[] = [];
    const ok = redownloadCorrupt({ redownload: (ctx) => void calls.push(ctx.operation) });
    expect(await ok.run(context(new Error('x')))).toBe('retry');
    expect(calls).toEqual(['o']);
    expect(await redownloadCorrupt({ redownload: async () => false }).run(context(new Error('x')))).toBe(
      'fail',
    );
  });

  it('contributes its steps to the manual result, or retries once a person confirms', async () => {
    const registry = new RecoveryRegistry().register(
      'permission',
      manualIntervention({
        steps: ['Run the installer from a folder you own.'],
        links: ['https://example.org/perm'],
      }),
    );
    const result = await registry.recover(errno('EACCES'));
    assert(result.action === 'manual');
    expect(result.manualSteps?.[0]).toBe('Run the installer from a folder you own.');
    expect(result.links).toEqual(['https://example.org/perm']);

    const confirmed = manualIntervention({
      steps: ['Plug in the disk.'],
      confirm: async (steps) => steps.length === 1,
    });
    expect(await confirmed.run(context(errno('ENOSPC')))).toBe('retry');
  });
});
