import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../src/errors/category.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { loadStore } from '../../src/recovery/store.js';
import { acquireFileLock } from '../../src/shared/fileLock.js';

const CHILD = path.resolve(__dirname, '../support/recovery-store-child.ts');
const LOCK_CHILD = path.resolve(__dirname, '../support/lock-child.ts');
const networkError = (message = 'socket hang up') =>
  Object.assign(new Error(message), { code: 'ECONNRESET' });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'recovery-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runChild(args: object): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

/** attempts/successes per "category strategy" in the file. */
function countsIn(file: string): Record<string, { attempts: number; successes: number }> {
  const out: Record<string, { attempts: number; successes: number }> = {};
  for (const [category, map] of loadStore(file).data.strategies) {
    for (const [name, s] of map)
      out[`${category} ${name}`] = { attempts: s.attempts, successes: s.successes };
  }
  return out;
}

describe('recovery store shared by several processes', () => {
  it('three processes learning 30 outcomes each into one store lose none of the 90', async () => {
    const store = path.join(dir, '.wan-reliability', 'recovery.json');
    const results = await Promise.all(['p1', 'p2', 'p3'].map((id) => runChild({ store, id, rounds: 30 })));
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
    expect(countsIn(store)).toEqual({
      'network alternate': { attempts: 90, successes: 45 },
      'timeout taught': { attempts: 90, successes: 30 },
    });
    const history = loadStore(store).data.history;
    expect(history).toHaveLength(90);
    for (const id of ['p1', 'p2', 'p3']) {
      expect(history.filter((h) => h.component === id).map((h) => h.message)).toEqual(
        Array.from({ length: 30 }, (_, round) => `${id} round ${round}`),
      );
    }
    const left = await readdir(path.dirname(store));
    expect(left).toEqual(['recovery.json']);
  }, 90_000);
});

describe('merge on write', () => {
  it('each registry adds its unsaved outcomes to what the file holds now, and learns the others', async () => {
    const store = path.join(dir, 'recovery.json');
    const a = new RecoveryRegistry({ store, autoSave: false });
    const b = new RecoveryRegistry({ store, autoSave: false });
    a.stats();
    b.stats();
    for (let i = 0; i < 3; i++) a.recordOutcome('network', 'mirror', true);
    for (let i = 0; i < 2; i++) b.recordOutcome('network', 'mirror', false);
    b.recordOutcome('disk_full', 'cleanup', true);
    await Promise.all([a.save(), b.save()]);
    await a.save();
    expect(countsIn(store)).toEqual({
      'network mirror': { attempts: 5, successes: 3 },
      'disk_full cleanup': { attempts: 1, successes: 1 },
    });
    expect(a.plan('disk_full')).toEqual([]);
    expect(a.stats().strategies.find((s) => s.strategy === 'cleanup')).toMatchObject({ attempts: 1 });
    // Saving again adds nothing twice.
    await Promise.all([a.save(), b.save(), a.save()]);
    expect(countsIn(store)['network mirror']).toEqual({ attempts: 5, successes: 3 });
  });

  it('a success taken back (the retried call failed again) is taken back in the file too', async () => {
    const store = path.join(dir, 'recovery.json');
    const a = new RecoveryRegistry({ store });
    const b = new RecoveryRegistry({ store });
    a.register('network', { name: 'mirror', description: 'x', run: () => 'retry' });
    b.register('network', { name: 'mirror', description: 'x', run: () => 'retry' });
    await a.recover(networkError(), { component: 'c', operation: 'o' });
    await b.recover(networkError(), { component: 'd', operation: 'o' });
    await a.recover(networkError(), { component: 'c', operation: 'o', recoveryAttempts: 1 });
    expect(countsIn(store)['network mirror']).toEqual({ attempts: 3, successes: 2 });
    expect(loadStore(store).data.history).toHaveLength(3);
  });

  it('keeps unsaved outcomes when another process holds the lock too long, and writes them with the next save', async () => {
    const store = path.join(dir, 'recovery.json');
    const registry = new RecoveryRegistry({ store, autoSave: false, lockWaitMs: 300 });
    registry.recordOutcome('network', 'mirror', true);
    await registry.save();
    registry.recordOutcome('network', 'mirror', true);
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', LOCK_CHILD, JSON.stringify({ mode: 'hold', target: store })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
        holder.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
      });
      await expect(registry.save()).rejects.toMatchObject({ code: 'ERR_LOCK_HELD' });
      registry.recordOutcome('network', 'mirror', false);
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
    await rm(`${store}.lock`, { recursive: true, force: true });
    await registry.save();
    expect(countsIn(store)['network mirror']).toEqual({ attempts: 3, successes: 2 });
  }, 30_000);

  it('a file made corrupt by someone else is set aside and rewritten from what this process knows', async () => {
    const store = path.join(dir, 'recovery.json');
    const warnings: string[] = [];
    const registry = new RecoveryRegistry({ store, autoSave: false });
    registry.on('recovery:warning', (w) => warnings.push(w.message));
    registry.recordOutcome('network', 'mirror', true);
    await registry.save();
    await writeFile(store, '{"version":1,"strategies":[]}');
    registry.recordOutcome('network', 'mirror', false);
    await registry.save();
    expect(countsIn(store)).toEqual({ 'network mirror': { attempts: 2, successes: 1 } });
    expect(warnings).toEqual([expect.stringMatching(/could not be used.*rewritten/)]);
    expect((await readdir(dir)).some((f) => f.startsWith('recovery.json.corrupt-'))).toBe(true);
  });

  it('keeps every outcome of two writers whatever the order of their records and saves (model check)', async () => {
    type Op =
      | { writer: 0 | 1; kind: 'record'; category: ErrorCategory; ok: boolean }
      | { writer: 0 | 1; kind: 'save' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        writer: fc.constantFrom(0 as const, 1 as const),
        kind: fc.constant('record' as const),
        category: fc.constantFrom(...ERROR_CATEGORIES.slice(0, 3)),
        ok: fc.boolean(),
      }),
      fc.record({ writer: fc.constantFrom(0 as const, 1 as const), kind: fc.constant('save' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const store = path.join(dir, `model-${run++}.json`);
        const writers = [0, 1].map(() => new RecoveryRegistry({ store, autoSave: false }));
        const expected: Record<string, { attempts: number; successes: number }> = {};
        const saves: Promise<void>[] = [];
        for (const o of ops) {
          const registry = writers[o.writer] as RecoveryRegistry;
          if (o.kind === 'save') {
            saves.push(registry.save());
            continue;
          }
          registry.recordOutcome(o.category, 's', o.ok);
          const key = `${o.category} s`;
          const e = expected[key] ?? { attempts: 0, successes: 0 };
          expected[key] = { attempts: e.attempts + 1, successes: e.successes + (o.ok ? 1 : 0) };
        }
        await Promise.all(saves);
        await Promise.all(writers.map((w) => w.save()));
        expect(countsIn(store)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('a cancelled recovery answers at once while its save waits for the lock, and the save lands later', async () => {
    const store = path.join(dir, 'recovery.json');
    const registry = new RecoveryRegistry({ store });
    registry.register('network', { name: 'stuck', description: 'hangs', run: () => new Promise(() => {}) });
    const lock = await acquireFileLock(store);
    const controller = new AbortController();
    const recovering = registry.recover(networkError('while locked'), { signal: controller.signal });
    controller.abort();
    expect(await recovering).toMatchObject({ action: 'fail', interrupted: 'stuck' });
    await lock.release();
    await registry.save();
    expect(loadStore(store).data.history.map((h) => [h.action, h.message])).toEqual([
      ['fail', 'while locked'],
    ]);
  });

  it('removes temp files that writers killed mid-write left, and nothing else', async () => {
    const store = path.join(dir, 'recovery.json');
    const left = [`.recovery.json.${process.pid}.0a1b2c3d.tmp`, '.recovery.json.4194999.deadbeef.tmp'];
    const kept = ['.recovery.json.tmp', '.other.json.4194999.deadbeef.tmp', 'recovery.json.corrupt-x'];
    for (const name of [...left, ...kept]) await writeFile(path.join(dir, name), '{');
    const registry = new RecoveryRegistry({ store });
    registry.recordOutcome('network', 'mirror', true);
    await registry.save();
    expect((await readdir(dir)).sort()).toEqual([...kept, 'recovery.json'].sort());
  });

  it('writes the store readably for people and tools', async () => {
    const store = path.join(dir, 'recovery.json');
    const registry = new RecoveryRegistry({ store });
    registry.register('network', { name: 'mirror', description: 'x', run: () => 'retry' });
    await registry.recover(networkError());
    const saved = JSON.parse(await readFile(store, 'utf8'));
    expect(saved.strategies.network.mirror).toMatchObject({
      attempts: 1,
      successes: 1,
      lastOutcome: 'retry',
    });
  });
});
