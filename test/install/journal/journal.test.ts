import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathOutsideRootError } from '../../../src/errors/PathOutsideRootError.js';
import { InstallJournal } from '../../../src/install/journal/InstallJournal.js';

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'journal-'));
  file = path.join(root, '.state', 'journal.json');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('InstallJournal', () => {
  it('resumes a killed run at the first step that is not done, with its stored results', async () => {
    const first = await InstallJournal.open({ file, root });
    await first.begin('install');
    await first.step('preflight', () => ({ ok: true }));
    // The process "dies" inside the second step: the journal on disk says running.
    const dying = first.step('venv', () => new Promise<undefined>(() => {}));
    void dying;
    await new Promise((resolve) => setTimeout(resolve, 20));

    const second = await InstallJournal.open({ file, root });
    const { resumed, run } = await second.begin('install');
    expect(resumed).toBe(true);
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ['preflight', 'done'],
      ['venv', 'running'],
    ]);
    let preflightRan = false;
    const stored = await second.step('preflight', () => {
      preflightRan = true;
      return { ok: false };
    });
    expect(preflightRan).toBe(false);
    expect(stored).toEqual({ ok: true });
    const attempt = await second.step('venv', (handle) => handle.attempt);
    expect(attempt).toBe(2);
    await second.finish('completed');
    const third = await InstallJournal.open({ file, root });
    expect((await third.begin('install')).resumed).toBe(false);
  });

  it('records failures with the redacted message and resumes a failed run', async () => {
    const journal = await InstallJournal.open({
      file,
      root,
      redact: (t) => t.replaceAll('hf_secret', '[REDACTED]'),
    });
    await journal.begin('install');
    await expect(
      journal.step('models', () => Promise.reject(new Error('401 with hf_secret'))),
    ).rejects.toThrow();
    await journal.finish('failed');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hf_secret');
    expect(text).toContain('[REDACTED]');
    const again = await InstallJournal.open({ file, root });
    expect((await again.begin('install')).resumed).toBe(true);
    expect(again.stepState('models')?.status).toBe('failed');
  });

  it('rolls back the last run: removes what it created, restores what it replaced', async () => {
    const journal = await InstallJournal.open({ file, root });
    const model = path.join(root, 'model');
    await writeFile(model, 'old');
    await journal.begin('update');
    await journal.step('switch', async (handle) => {
      const created = path.join(root, 'new-file');
      await writeFile(created, 'x');
      await handle.record({ kind: 'created', path: created });
      const backup = path.join(root, 'model.bak');
      await writeFile(backup, 'old');
      await writeFile(model, 'new');
      await handle.record({ kind: 'replaced', path: model, backup });
      return undefined;
    });
    await journal.finish('completed');
    const result = await journal.rollback();
    expect(result.undone.map((c) => c.kind)).toEqual(['replaced', 'created']);
    expect(await readFile(model, 'utf8')).toBe('old');
    expect((await readdir(root)).sort()).toEqual(['.state', 'model']);
    expect(journal.lastRun()?.status).toBe('rolled-back');
    expect((await journal.rollback()).undone).toEqual([]);
  });

  it('refuses changes outside its root, also when the file was tampered with', async () => {
    const journal = await InstallJournal.open({ file, root });
    await journal.begin('install');
    await expect(
      journal.step('x', (handle) => handle.record({ kind: 'created', path: '/etc/passwd' })),
    ).rejects.toThrow(/inside/);
    await journal.finish('failed');
    const data = JSON.parse(await readFile(file, 'utf8'));
    data.runs[0].steps[0].changes.push({ kind: 'created', path: path.join(root, '..', 'victim') });
    await writeFile(file, JSON.stringify(data));
    const tampered = await InstallJournal.open({ file, root });
    await expect(tampered.rollback()).rejects.toThrow(/inside/);
  });

  it('never removes through a folder that became a symbolic link out of the root', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'journal-outside-'));
    try {
      const journal = await InstallJournal.open({ file, root });
      const sub = path.join(root, 'sub');
      await mkdir(sub);
      await journal.begin('install');
      await journal.step('create', async (handle) => {
        await handle.record({ kind: 'created', path: path.join(sub, 'x') });
        await writeFile(path.join(sub, 'x'), 'ours');
        return undefined;
      });
      await journal.finish('completed');
      // Meanwhile the folder was replaced by a link to someone else's folder holding an "x".
      await rename(sub, path.join(root, 'sub-moved'));
      await writeFile(path.join(outside, 'x'), 'theirs');
      await symlink(outside, sub);
      await expect(journal.rollback()).rejects.toBeInstanceOf(PathOutsideRootError);
      expect(await readFile(path.join(outside, 'x'), 'utf8')).toBe('theirs');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('undoing a recorded change that was never made is harmless (write-ahead)', async () => {
    const journal = await InstallJournal.open({ file, root });
    const live = path.join(root, 'live');
    await writeFile(live, 'current');
    await journal.begin('update');
    await journal
      .step('switch', async (handle) => {
        await handle.record({ kind: 'created', path: path.join(root, 'never-created') });
        await handle.record({ kind: 'replaced', path: live, backup: path.join(root, 'never-moved') });
        throw new Error('killed before the move');
      })
      .catch(() => {});
    await journal.finish('failed');
    expect((await journal.rollback()).undone).toHaveLength(2);
    expect(await readFile(live, 'utf8')).toBe('current');
  });

  it('needs a handler for custom change kinds', async () => {
    const journal = await InstallJournal.open({ file, root });
    await journal.begin('install');
    await journal.step('cfg', (handle) => handle.record({ kind: 'pointer', data: { from: 'a', to: 'b' } }));
    await journal.finish('completed');
    const seen: unknown[] = [];
    await journal.rollback({ handlers: { pointer: (change) => void seen.push(change.data) } });
    expect(seen).toEqual([{ from: 'a', to: 'b' }]);
  });

  it('moves an unreadable journal aside and starts fresh', async () => {
    await (await InstallJournal.open({ file, root })).begin('install');
    await writeFile(file, '{"version":1,"runs":[');
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toMatch(/unreadable/);
    expect(journal.runs).toEqual([]);
    expect(await readFile(`${file}.corrupt`, 'utf8')).toContain('runs');
  });

  it('keeps only keepRuns runs and leaves no temp files', async () => {
    const journal = await InstallJournal.open({ file, root, keepRuns: 2 });
    for (let i = 0; i < 4; i++) {
      await journal.begin(`op${i}`);
      await journal.finish('completed');
    }
    expect(journal.runs.map((r) => r.operation)).toEqual(['op2', 'op3']);
    expect(await readdir(path.dirname(file))).toEqual(['journal.json']);
  });

  it('validates options and stops on abort', async () => {
    await expect(InstallJournal.open({ file, root, keepRuns: 0 })).rejects.toMatchObject({
      category: 'configuration',
    });
    const journal = await InstallJournal.open({ file, root });
    await expect(journal.step('x', () => undefined)).rejects.toMatchObject({ category: 'configuration' });
    await journal.begin('install');
    const controller = new AbortController();
    controller.abort();
    await expect(journal.step('x', () => undefined, { signal: controller.signal })).rejects.toMatchObject({
      category: 'cancelled',
    });
  });
});
