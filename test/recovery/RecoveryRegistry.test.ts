import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorContextCapturer } from '../../src/diagnostics/capture/ErrorContextCapturer.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../src/errors/category.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { loadStore, MAX_STORE_BYTES, saveStore } from '../../src/recovery/store.js';
import type {
  ManualRecoveryResult,
  RecoveryEvents,
  RecoveryResult,
  RecoveryStrategy,
  StrategyOutcome,
} from '../../src/recovery/types.js';
import { fastProbe } from '../diagnostics/capture/fakeProbe.js';

const networkError = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const diskFullError = () =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

function strategy(
  name: string,
  outcome: StrategyOutcome | (() => StrategyOutcome),
  calls: string[] = [],
): RecoveryStrategy {
  return {
    name,
    description: `${name} for tests`,
    run: () => {
      calls.push(name);
      return typeof outcome === 'function' ? outcome() : outcome;
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'recovery-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The result, narrowed to a manual one (the test fails when it is anything else). */
function manual(result: RecoveryResult): ManualRecoveryResult {
  if (result.action !== 'manual') throw new Error(`expected a manual result, got ${result.action}`);
  return result;
}

describe('RecoveryRegistry', () => {
  it('learns across restarts: after 4 recoveries and a save, a new registry tries the working strategy first', async () => {
    const store = path.join(dir, 'recovery.json');
    const first = new RecoveryRegistry({ store, autoSave: false });
    first.register('network', strategy('always-fails', 'fail'));
    first.register('network', strategy('retries', 'retry'));
    for (let i = 0; i < 4; i++) {
      const result = await first.recover(networkError(), { component: 'downloader', operation: 'download' });
      expect(result).toMatchObject({ action: 'retry', strategy: 'retries' });
    }
    await first.save();

    const calls: string[] = [];
    const second = new RecoveryRegistry({ store });
    second.register('network', strategy('always-fails', 'fail', calls));
    second.register('network', strategy('retries', 'retry', calls));
    const announced: string[] = [];
    second.on('recovery:attempt', (e) => announced.push(e.text));
    const result = await second.recover(networkError());
    expect(calls).toEqual(['retries']);
    expect(result.attempts.map((a) => a.strategy)).toEqual(['retries']);
    expect(announced).toEqual(['retries: worked 4 of 4 times']);
    expect(second.plan('network').map((s) => s.strategy)).toEqual(['retries', 'always-fails']);
    // it was tried once, in the first recovery; from the second one on, learning put it last
    expect(second.stats().strategies.find((s) => s.strategy === 'always-fails')).toMatchObject({
      attempts: 1,
      successes: 0,
      likelihood: 1 / 3,
    });
  });

  it('a disk_full error whose only strategy fails ends as manual with guided steps, links and a report', async () => {
    const registry = new RecoveryRegistry();
    registry.register('disk_full', {
      name: 'cleanup',
      description: 'frees space',
      run: (ctx) => {
        ctx.addManualStep('Delete old checkpoints under /models/old.');
        ctx.addLink('https://example.org/disk');
        return 'fail';
      },
    });
    const events: Array<keyof RecoveryEvents> = [];
    for (const name of [
      'recovery:attempt',
      'recovery:failed',
      'recovery:manual',
      'recovery:success',
    ] as const) {
      registry.on(name, () => events.push(name));
    }
    const error = diskFullError();
    error.message += ' (token hf_abcdefghijklmnopqrstuvwxyz0123)';
    const result = manual(await registry.recover(error, { component: 'downloader', operation: 'download' }));
    expect(result.category).toBe('disk_full');
    expect(result.manualSteps?.[0]).toBe('Delete old checkpoints under /models/old.');
    expect(result.manualSteps?.length).toBeGreaterThan(2);
    expect(result.manualSteps?.join('\n')).toMatch(/Free disk space/);
    expect(result.links).toContain('https://example.org/disk');
    expect(result.report).toMatch(/## Recovery needs a person: disk_full in downloader\.download/);
    expect(result.report).toMatch(/\| cleanup \| fail \|/);
    expect(result.report).not.toContain('hf_abcdefghijklmnopqrstuvwxyz0123');
    expect(registry.history().at(-1)?.message).not.toContain('hf_abcdefghijklmnopqrstuvwxyz0123');
    expect(events).toEqual(['recovery:attempt', 'recovery:failed', 'recovery:manual']);
  });

  it('adds the ErrorContextCapturer context (system snapshot, redacted) to the manual report', async () => {
    const capturer = new ErrorContextCapturer({
      probe: fastProbe(),
      env: { HF_TOKEN: 'hf_secretsecretsecret123', PATH: '/usr/bin' },
    });
    const registry = new RecoveryRegistry({ capturer });
    registry.register('disk_full', strategy('cleanup', 'fail'));
    const error = diskFullError();
    error.message += ' with hf_secretsecretsecret123';
    const result = manual(await registry.recover(error, { component: 'downloader', operation: 'download' }));
    expect(result.report).toMatch(/## Recovery needs a person/);
    expect(result.report).toContain('H100 80GB HBM3'); // from the capturer's system snapshot
    expect(result.report).not.toContain('hf_secretsecretsecret123');
  });

  it('with no strategy for the category, the result is manual with the category remediation', async () => {
    const result = manual(await new RecoveryRegistry().recover(diskFullError()));
    expect(result.attempts).toEqual([]);
    expect(result.manualSteps?.join(' ')).toMatch(/No automatic recovery applies/);
  });

  it('announces the observed likelihood of each strategy ("worked 12 of 14 times")', async () => {
    const registry = new RecoveryRegistry();
    registry.register('network', strategy('alternative-source', 'retry'));
    for (let i = 0; i < 14; i++) registry.recordOutcome('network', 'alternative-source', i < 12);
    const texts: string[] = [];
    registry.on('recovery:attempt', (e) => texts.push(e.text));
    const result = await registry.recover(networkError());
    expect(texts).toEqual(['alternative-source: worked 12 of 14 times']);
    expect(result.attempts[0]?.likelihood).toBeCloseTo(13 / 16);
  });

  it('orders by Laplace-smoothed rate, ties by registration order, with * strategies included', async () => {
    const registry = new RecoveryRegistry();
    registry.register('*', strategy('generic', 'fail'));
    registry.register('network', strategy('a', 'fail'));
    registry.register('network', strategy('b', 'fail'));
    expect(registry.plan('network').map((s) => s.strategy)).toEqual(['generic', 'a', 'b']);
    registry.recordOutcome('network', 'b', true); // 2/3
    registry.recordOutcome('network', 'a', true);
    registry.recordOutcome('network', 'a', false); // 2/4
    expect(registry.plan('network').map((s) => s.strategy)).toEqual(['b', 'generic', 'a']);
    expect(registry.plan('timeout').map((s) => s.strategy)).toEqual(['generic']);
  });

  it('treats a throwing strategy or an invalid outcome as a failure and tries the next', async () => {
    const registry = new RecoveryRegistry();
    registry.register('network', {
      name: 'throws',
      description: 'x',
      run: () => {
        throw new Error('broken strategy https://user:secret@example.org/x');
      },
    });
    registry.register('network', {
      name: 'bad',
      description: 'x',
      run: () => 'yes' as unknown as StrategyOutcome,
    });
    registry.register('network', {
      name: 'skip',
      description: 'x',
      applies: () => false,
      run: () => 'retry',
    });
    registry.register('network', strategy('works', 'continue'));
    const result = await registry.recover(networkError());
    expect(result.action).toBe('continue');
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ['throws', 'error'],
      ['bad', 'error'],
      ['works', 'continue'],
    ]);
    expect(result.attempts[0]?.error).not.toContain('secret');
    expect(result.attempts[1]?.error).toMatch(/returned "yes"/);
  });

  it('stops with action fail when the signal aborts', async () => {
    const registry = new RecoveryRegistry();
    const controller = new AbortController();
    registry.register('network', {
      name: 'slow',
      description: 'x',
      run: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
          controller.abort();
        }),
    });
    registry.register('network', strategy('never', 'retry'));
    const result = await registry.recover(networkError(), { signal: controller.signal });
    expect(result.action).toBe('fail');
    expect(registry.stats().strategies.every((s) => s.attempts === 0)).toBe(true);
  });

  it('counts a retry whose retried call failed again as a failure', async () => {
    const registry = new RecoveryRegistry();
    registry.register('network', strategy('mirror', 'retry'));
    await registry.recover(networkError(), { component: 'c', operation: 'o', recoveryAttempts: 0 });
    expect(registry.plan('network')[0]).toMatchObject({ attempts: 1, successes: 1 });
    await registry.recover(networkError(), { component: 'c', operation: 'o', recoveryAttempts: 1 });
    // first retry demoted, second one provisionally counted
    expect(registry.plan('network')[0]).toMatchObject({ attempts: 2, successes: 1 });
  });

  it('sets a corrupt store aside with a warning and starts afresh, never crashing', async () => {
    const store = path.join(dir, 'nested', 'recovery.json');
    await new RecoveryRegistry({ store }).save();
    await writeFile(store, '{ "version": 1, "strategies": { "network": { "x": { "attempts": -1 } } }');
    const warnings: string[] = [];
    const logged: string[] = [];
    const registry = new RecoveryRegistry({ store, logger: { warn: (m) => logged.push(m) } });
    registry.on('recovery:warning', (w) => warnings.push(w.movedTo ?? ''));
    registry.register('network', strategy('a', 'retry'));
    const result = await registry.recover(networkError());
    expect(result.action).toBe('retry');
    expect(warnings).toHaveLength(1);
    expect(logged[0]).toMatch(/could not be used/);
    const files = await readdir(path.dirname(store));
    expect(files.some((f) => f.startsWith('recovery.json.corrupt-'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const saved = JSON.parse(await readFile(store, 'utf8'));
    expect(saved.version).toBe(1);
    expect(saved.strategies.network.a).toMatchObject({ attempts: 1, successes: 1 });
  });

  it('never blocks on, reads through or reads whole what is not a plain store file', async () => {
    const outside = path.join(dir, 'outside.json');
    await new RecoveryRegistry({ store: outside }).save();
    const sound = await readFile(outside, 'utf8');
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const link = path.join(dir, 'link.json');
    await symlink(outside, link);
    const huge = path.join(dir, 'huge.json');
    await writeFile(huge, '');
    await truncate(huge, MAX_STORE_BYTES + 1);
    for (const store of [fifo, link, huge]) {
      const loaded = loadStore(store);
      expect(loaded.corrupt?.reason, store).toMatch(/unreadable|more than/);
      expect(loaded.data.strategies.size).toBe(0);
    }
    const registry = new RecoveryRegistry({ store: link });
    registry.register('network', strategy('a', 'retry'));
    await registry.recover(networkError());
    await registry.save();
    expect(await readFile(outside, 'utf8')).toBe(sound);
    expect((await lstat(link)).isFile()).toBe(true);
  });

  it('keeps a bounded history and summarises what was fixed', async () => {
    const registry = new RecoveryRegistry({ historyLimit: 3 });
    registry.register('network', strategy('mirror', 'retry'));
    registry.register('disk_full', strategy('cleanup', 'fail'));
    for (let i = 0; i < 3; i++) await registry.recover(networkError());
    await registry.recover(diskFullError());
    expect(registry.history()).toHaveLength(3);
    const summary = registry.summary();
    expect(summary.fixed).toEqual([{ category: 'network', strategy: 'mirror', count: 2 }]);
    expect(summary.manual).toEqual([{ category: 'disk_full', count: 1 }]);
    expect(summary.text).toBe(
      'Fixed automatically 2 times: network by mirror (2). Needed a person 1 time: disk_full (1).',
    );
    expect(registry.stats().totals).toEqual({ recoveries: 3, fixed: 2, manual: 1 });
    expect(new RecoveryRegistry().summary().text).toBe('No recovery was needed.');
  });

  it('validates registrations', () => {
    const registry = new RecoveryRegistry();
    expect(() => registry.register('nope' as ErrorCategory, strategy('a', 'fail'))).toThrow(
      ConfigurationError,
    );
    expect(() => registry.register('network', { name: '', description: '', run: () => 'fail' })).toThrow(
      ConfigurationError,
    );
    registry.register(['network', 'timeout'], strategy('a', 'fail'));
    expect(() => registry.register('network', strategy('a', 'fail'))).toThrow(/not yet registered/);
    expect(() => new RecoveryRegistry({ store: '' })).toThrow(ConfigurationError);
  });

  it('works as the recovery hook of withReliability, and the health hook sees the recovered call', async () => {
    let failures = 1;
    const component = {
      async fetch(): Promise<string> {
        if (failures-- > 0) throw networkError();
        return 'ok';
      },
    };
    const recovery = new RecoveryRegistry();
    const switched: string[] = [];
    recovery.register('network', {
      name: 'mirror',
      description: 'switch mirror',
      run: (ctx) => {
        switched.push(`${ctx.component}.${ctx.operation}`);
        return 'retry';
      },
    });
    const health = new HealthReporter({ openTelemetry: false });
    const reliable = withReliability(component, { name: 'hub', retry: { retries: 0 }, recovery, health });
    await expect(reliable.fetch()).resolves.toBe('ok');
    expect(switched).toEqual(['hub.fetch']);
    const report = health.report();
    expect(report.components[0]).toMatchObject({ name: 'hub', calls: 1, successes: 1, recovered: 1 });
  });
});

describe('recovery store', () => {
  const names = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'a"b', 'x\\y', 'line\nbreak'),
    fc.string({ minLength: 1, maxLength: 12 }),
  );
  type Op =
    | { kind: 'record'; category: ErrorCategory; strategy: string; ok: boolean }
    | { kind: 'save' }
    | { kind: 'load' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('record' as const),
      category: fc.constantFrom(...ERROR_CATEGORIES),
      strategy: names,
      ok: fc.boolean(),
    }),
    fc.constant({ kind: 'save' as const }),
    fc.constant({ kind: 'load' as const }),
  );

  it('survives any sequence of record / save / load (model check)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const store = path.join(dir, `model-${run++}.json`);
        let registry = new RecoveryRegistry({ store, autoSave: false });
        let live = new Map<string, { attempts: number; successes: number }>();
        let saved = new Map<string, { attempts: number; successes: number }>();
        for (const o of ops) {
          if (o.kind === 'record') {
            registry.recordOutcome(o.category, o.strategy, o.ok);
            const key = `${o.category}\0${o.strategy}`;
            const s = live.get(key) ?? { attempts: 0, successes: 0 };
            live.set(key, { attempts: s.attempts + 1, successes: s.successes + (o.ok ? 1 : 0) });
          } else if (o.kind === 'save') {
            await registry.save();
            saved = new Map(live);
          } else {
            registry = new RecoveryRegistry({ store, autoSave: false });
            live = new Map(saved);
          }
          const actual = new Map(
            registry
              .stats()
              .strategies.map((s) => [
                `${s.category}\0${s.strategy}`,
                { attempts: s.attempts, successes: s.successes },
              ]),
          );
          expect(actual).toEqual(live);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('never crashes on arbitrary store content', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (text) => {
        const store = path.join(dir, `junk-${run++}.json`);
        await writeFile(store, text);
        const { data } = loadStore(store);
        await saveStore(store, data);
        expect(loadStore(store).corrupt).toBeUndefined();
      }),
      { numRuns: 80 },
    );
  });
});
