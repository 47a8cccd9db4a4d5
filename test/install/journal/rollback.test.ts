// Issue #16 point 1: a rollback that stops part-way (an undo throws, an abort, kill -9) must not
// leave steps that look done while their changes are gone.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallJournal } from '../../../src/install/journal/InstallJournal.js';
import type { JournalData } from '../../../src/install/journal/types.js';
import { killJournalChildren, startJournalChild } from './children.js';

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'journal-rollback-'));
  file = path.join(root, '.state', 'journal.json');
});
afterEach(async () => {
  killJournalChildren();
  await rm(root, { recursive: true, force: true });
});

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const onDisk = async () => JSON.parse(await readFile(file, 'utf8')) as JournalData;

/**
 * The installer of the issue: base ✓, venv ✓ (with a change only a handler can undo: `undoKind`),
 * config ✓, models ✗ (on the first run). Returns the steps whose bodies ran.
 */
async function install(journal: InstallJournal, options: { undoKind: string; modelsFail: boolean }) {
  const ran: string[] = [];
  await journal.begin('install');
  await journal.step('base', async (step) => {
    ran.push('base');
    await step.record({ kind: 'created', path: path.join(root, 'base') });
    await mkdir(path.join(root, 'base'), { recursive: true });
  });
  await journal.step('venv', async (step) => {
    ran.push('venv');
    await step.record({ kind: options.undoKind, data: { packages: ['torch'] } });
    await step.record({ kind: 'created', path: path.join(root, 'venv') });
    await mkdir(path.join(root, 'venv'), { recursive: true });
  });
  await journal.step('config', async (step) => {
    ran.push('config');
    await step.record({ kind: 'created', path: path.join(root, 'config.json') });
    await writeFile(path.join(root, 'config.json'), '{}');
    return { written: true };
  });
  try {
    await journal.step('models', async (step) => {
      ran.push('models');
      await step.record({ kind: 'created', path: path.join(root, 'models') });
      await mkdir(path.join(root, 'models'), { recursive: true });
      if (options.modelsFail) throw new Error('mirror down');
    });
    await journal.finish('completed');
  } catch {
    await journal.finish('failed');
  }
  return ran;
}

describe('InstallJournal: interrupted rollback', () => {
  it('an undo that throws: resume re-runs every step rollback reached, the rest stays done', async () => {
    const first = await InstallJournal.open({ file, root });
    await install(first, { undoKind: 'pip', modelsFail: true });
    const failing = {
      pip: () => {
        throw new Error('pip uninstall failed');
      },
    };
    await expect(first.rollback({ handlers: failing })).rejects.toThrow('pip uninstall failed');
    expect(await exists(path.join(root, 'config.json'))).toBe(false);
    const run = (await onDisk()).runs[0];
    expect(run?.status).toBe('rolling-back');
    expect(run?.steps.map((s) => [s.name, s.status])).toEqual([
      ['base', 'done'],
      ['venv', 'undone'],
      ['config', 'undone'],
      ['models', 'undone'],
    ]);

    const second = await InstallJournal.open({ file, root });
    const ran = await install(second, { undoKind: 'pip', modelsFail: false });
    expect(second.lastRun()?.id).toBe(run?.id);
    expect(ran).toEqual(['venv', 'config', 'models']);
    expect(await readFile(path.join(root, 'config.json'), 'utf8')).toBe('{}');
    expect(second.lastRun()?.status).toBe('completed');
    expect(second.lastRun()?.steps.find((s) => s.name === 'config')?.attempts).toBe(2);
  });

  it('rollback again continues where it stopped and ends rolled-back', async () => {
    const journal = await InstallJournal.open({ file, root });
    await install(journal, { undoKind: 'pip', modelsFail: true });
    let fail = true;
    const undonePip: unknown[] = [];
    const handlers = {
      pip: (change: { data?: unknown }) => {
        if (fail) throw new Error('busy');
        undonePip.push(change.data);
      },
    };
    await expect(journal.rollback({ handlers })).rejects.toThrow('busy');
    fail = false;
    const again = await InstallJournal.open({ file, root });
    const result = await again.rollback({ handlers });
    expect(result.undone.map((c) => c.kind)).toEqual(['pip', 'created']);
    expect(undonePip).toEqual([{ packages: ['torch'] }]);
    expect(await exists(path.join(root, 'base'))).toBe(false);
    expect(again.lastRun()?.status).toBe('rolled-back');
    expect((await again.begin('install')).resumed).toBe(false);
  });

  it('persists the rollback and the step it undoes before the first undo runs', async () => {
    const journal = await InstallJournal.open({ file, root });
    await install(journal, { undoKind: 'pip', modelsFail: false });
    const seen: unknown[] = [];
    await journal.rollback({
      handlers: {
        pip: async () => {
          const run = (await onDisk()).runs[0];
          seen.push(run?.status, run?.steps.find((s) => s.name === 'venv')?.status);
        },
      },
    });
    expect(seen).toEqual(['rolling-back', 'undone']);
  });

  it('an abort mid-rollback leaves the run resumable the same way', async () => {
    const journal = await InstallJournal.open({ file, root });
    await install(journal, { undoKind: 'pip', modelsFail: true });
    const controller = new AbortController();
    await expect(
      journal.rollback({ signal: controller.signal, handlers: { pip: () => controller.abort() } }),
    ).rejects.toMatchObject({ category: 'cancelled' });
    const again = await InstallJournal.open({ file, root });
    expect(await install(again, { undoKind: 'pip', modelsFail: false })).toEqual([
      'venv',
      'config',
      'models',
    ]);
    expect(await exists(path.join(root, 'config.json'))).toBe(true);
  });

  it('kill -9 during an undo: the next install re-runs the undone steps and ends complete', async () => {
    const first = await InstallJournal.open({ file, root });
    await install(first, { undoKind: 'hang', modelsFail: true });
    const child = startJournalChild({ mode: 'rollback', file, root });
    await child.printed('undoing');
    child.process.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    // The child undid models, config and venv's folder before it was killed inside the `hang` undo.
    expect(await exists(path.join(root, 'config.json'))).toBe(false);
    expect(await exists(path.join(root, 'venv'))).toBe(false);
    expect((await onDisk()).runs[0]?.status).toBe('rolling-back');

    const second = await InstallJournal.open({ file, root });
    const ran = await install(second, { undoKind: 'hang', modelsFail: false });
    expect(ran).toEqual(['venv', 'config', 'models']);
    expect(await exists(path.join(root, 'config.json'))).toBe(true);
    expect(await exists(path.join(root, 'venv'))).toBe(true);
    expect(second.lastRun()?.status).toBe('completed');
  }, 30_000);
});
