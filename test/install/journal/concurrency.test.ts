// Issue #16 point 2: several writers on one journal file (processes or instances) lose nothing,
// and a second writer resuming the same run never leaves a mix of both.
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalConflictError } from '../../../src/errors/JournalConflictError.js';
import { InstallJournal } from '../../../src/install/journal/InstallJournal.js';
import type { JournalData } from '../../../src/install/journal/types.js';
import { killJournalChildren, startJournalChild } from './children.js';

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'journal-concurrent-'));
  file = path.join(root, '.state', 'journal.json');
});
afterEach(async () => {
  killJournalChildren();
  await rm(root, { recursive: true, force: true });
});

const onDisk = async () => JSON.parse(await readFile(file, 'utf8')) as JournalData;

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('InstallJournal: concurrent writers', () => {
  it('three processes, each with its own 20-step run, keep every run and every recorded change', async () => {
    const tags = ['a', 'b', 'c'];
    const children = tags.map((tag) =>
      startJournalChild({
        mode: 'install',
        file,
        root,
        tag,
        operation: `install-${tag}`,
        steps: 20,
        changes: 2,
      }),
    );
    const exits = await Promise.all(children.map((child) => child.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    const data = await onDisk();
    expect(data.runs.map((r) => r.operation).sort()).toEqual(['install-a', 'install-b', 'install-c']);
    for (const run of data.runs) {
      expect(run.status).toBe('completed');
      expect(run.steps).toHaveLength(20);
      expect(run.steps.flatMap((s) => s.changes)).toHaveLength(40);
    }
    // A reader opened afterwards sees the same.
    const reader = await InstallJournal.open({ file, root });
    expect(reader.runs).toHaveLength(3);
  }, 60_000);

  it('two instances in one process interleaving their runs lose nothing', async () => {
    const a = await InstallJournal.open({ file, root });
    const b = await InstallJournal.open({ file, root });
    await a.begin('install', { resume: false });
    await b.begin('install', { resume: false });
    await Promise.all(
      [a, b].map(async (journal, j) => {
        for (let i = 0; i < 10; i += 1) {
          await journal.step(`s${i}`, async (step) => {
            await step.record({ kind: 'created', path: path.join(root, `j${j}`, `s${i}`) });
          });
        }
        await journal.finish('completed');
      }),
    );
    const data = await onDisk();
    expect(data.runs).toHaveLength(2);
    for (const run of data.runs) expect(run.steps.flatMap((s) => s.changes)).toHaveLength(10);
    // Each instance's view includes the other's run after its writes.
    expect(a.runs).toHaveLength(2);
  });

  it('a second instance resuming the same run takes it over; the first stops with JournalConflictError', async () => {
    const first = await InstallJournal.open({ file, root });
    const { run } = await first.begin('install');
    await first.step('venv', (step) => step.record({ kind: 'created', path: path.join(root, 'venv') }));
    const second = await InstallJournal.open({ file, root });
    const resumed = await second.begin('install');
    expect(resumed).toMatchObject({ resumed: true, run: { id: run.id } });

    const error = await first.step('config', () => 'never stored').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JournalConflictError);
    expect(error).toMatchObject({ code: 'ERR_JOURNAL_CONFLICT', runId: run.id });
    expect(String((error as Error).message)).toContain(run.id);
    await expect(first.finish('completed')).rejects.toBeInstanceOf(JournalConflictError);

    await second.step('config', () => 'stored');
    await second.finish('completed');
    const data = await onDisk();
    expect(data.runs).toHaveLength(1);
    expect(data.runs[0]?.steps.map((s) => [s.name, s.status, s.result])).toEqual([
      ['venv', 'done', undefined],
      ['config', 'done', 'stored'],
    ]);
    expect(data.runs[0]?.steps[0]?.changes).toHaveLength(1);
  });

  it('a second process resuming the same run: the first stops at its next write, nothing recorded is lost', async () => {
    const setup = await InstallJournal.open({ file, root });
    const { run } = await setup.begin('install');
    await setup.finish('failed');

    const first = startJournalChild({ mode: 'resume', file, root, tag: 'first' });
    await first.printed(`resumed ${run.id}`);
    await first.printed('step r3');
    const second = startJournalChild({ mode: 'resume', file, root, tag: 'second' });
    await second.printed(`resumed ${run.id}`);
    await within(15_000, 'the first process stopping', first.printed('stopped ERR_JOURNAL_CONFLICT'));
    await second.printed(/step r\d+/);
    second.process.kill('SIGKILL');
    await second.exited;

    const steps = (await onDisk()).runs[0]?.steps ?? [];
    // Steps r0, r1, … in order, none missing; each change is the one its step made (a step the
    // first process had begun when it lost the run is run again by the second: two changes).
    expect(steps.map((s) => s.name)).toEqual(steps.map((_, i) => `r${i}`));
    for (const step of steps) {
      expect(step.changes.length).toBeGreaterThanOrEqual(1);
      for (const change of step.changes)
        expect([path.join(root, 'first', step.name), path.join(root, 'second', step.name)]).toContain(
          change.path,
        );
    }
    const lines = (child: typeof first, prefix: string) =>
      child
        .output()
        .split('\n')
        .filter((line) => line.startsWith(prefix))
        .map((line) => line.slice(prefix.length));
    // Every change the first process recorded is still there, and so is every step it finished.
    for (const name of lines(first, 'recorded ')) {
      const stored = steps.find((s) => s.name === name);
      expect(stored?.changes.map((c) => c.path)).toContain(path.join(root, 'first', name));
    }
    for (const name of lines(first, 'step ')) expect(steps.find((s) => s.name === name)?.status).toBe('done');
  }, 60_000);

  it('any sequence of begins, steps and finishes by three instances: every record kept, only owners write (property)', async () => {
    const action = fc.record({
      who: fc.nat(2),
      op: fc.constantFrom('resume', 'new', 'step', 'step', 'finish'),
      changes: fc.nat(2),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 20 }), async (actions) => {
        await unlink(file).catch(() => {});
        const journals = await Promise.all(
          [0, 1, 2].map(() => InstallJournal.open({ file, root, keepRuns: 100 })),
        );
        const owner = new Map<string, number>(); // run id → the instance that claimed it last
        const recorded: { run: string; path: string }[] = [];
        let n = 0;
        for (const { who, op, changes } of actions) {
          const journal = journals[who] as InstallJournal;
          if (op === 'resume' || op === 'new') {
            const { run } = await journal.begin('install', { resume: op === 'resume' });
            owner.set(run.id, who);
            continue;
          }
          const run = journal.current;
          if (!run) continue;
          const name = `s${n++}`;
          const outcome =
            op === 'finish'
              ? journal.finish('failed')
              : journal.step(name, async (step) => {
                  for (let c = 0; c < changes; c += 1) {
                    const changed = path.join(root, name, String(c));
                    await step.record({ kind: 'created', path: changed });
                    recorded.push({ run: run.id, path: changed });
                  }
                });
          const error = await outcome.then(
            () => undefined,
            (caught: unknown) => caught,
          );
          if (owner.get(run.id) === who) expect(error).toBeUndefined();
          else expect(error).toBeInstanceOf(JournalConflictError);
        }
        const runs = ((await readFile(file, 'utf8').then(JSON.parse, () => ({ runs: [] }))) as JournalData)
          .runs;
        for (const { run, path: changed } of recorded) {
          const stored = runs.find((r) => r.id === run)?.steps.flatMap((s) => s.changes.map((c) => c.path));
          expect(stored).toContain(changed);
        }
        expect(new Set(runs.map((r) => r.id)).size).toBe(owner.size);
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
