// Issue #16 point 4: a journal of the right version but the wrong shape is set aside like any
// unreadable journal, and temp files of killed writes do not pile up.
import { execFileSync } from 'node:child_process';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/ConfigurationError.js';
import { isReliabilityError } from '../../../src/errors/ReliabilityError.js';
import { InstallJournal } from '../../../src/install/journal/InstallJournal.js';
import { killJournalChildren, startJournalChild } from './children.js';

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'journal-shape-'));
  file = path.join(root, '.state', 'journal.json');
  await mkdir(path.dirname(file));
});
afterEach(async () => {
  killJournalChildren();
  await rm(root, { recursive: true, force: true });
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
const T = '2026-01-01T00:00:00.000Z';

function validJournal(): Obj {
  return {
    version: 1,
    runs: [
      {
        id: 'run-1',
        operation: 'install',
        status: 'failed',
        startedAt: T,
        steps: [
          {
            name: 'venv',
            status: 'done',
            attempts: 1,
            startedAt: T,
            changes: [{ kind: 'created', path: `${root}/venv` }],
          },
          { name: 'models', status: 'failed', attempts: 1, startedAt: T, error: 'mirror down', changes: [] },
        ],
      },
    ],
  };
}
const run0 = (d: Obj) => (d.runs as Obj[])[0] as Obj;
const step0 = (d: Obj) => (run0(d).steps as Obj[])[0] as Obj;

/** Opens, begins, runs a step, finishes and rolls back; returns what each threw that was not ours. */
async function useJournal(): Promise<unknown[]> {
  const foreign: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      if (!isReliabilityError(error)) foreign.push(error);
    }
  };
  let journal: InstallJournal | undefined;
  await attempt(async () => {
    journal = await InstallJournal.open({ file, root });
  });
  if (!journal) return foreign;
  const j = journal;
  await attempt(() => j.begin('install'));
  await attempt(() => j.step('models', (step) => step.record({ kind: 'created', path: `${root}/models` })));
  await attempt(() => j.finish('completed'));
  await attempt(() => j.rollback({ handlers: { custom: () => {} } }));
  void j.runs.map((r) => r.steps.map((s) => s.changes.length));
  return foreign;
}

/** Edits part of a sound journal in place and returns the whole. */
const edit =
  (part: (d: Obj) => Obj, change: (o: Obj) => void) =>
  (d: Obj): Json => {
    change(part(d));
    return d;
  };
const whole = (d: Obj) => d;

const cases: [string, (d: Obj) => Json][] = [
  ['runs: [null]', (d) => ({ ...d, runs: [null] })],
  ['a run without steps', edit(run0, (r) => delete r.steps)],
  [
    'steps: {}',
    edit(run0, (r) => {
      r.steps = {};
    }),
  ],
  [
    'steps: [null]',
    edit(run0, (r) => {
      r.steps = [null];
    }),
  ],
  ['a step without changes', edit(step0, (s) => delete s.changes)],
  [
    'changes: [null]',
    edit(step0, (s) => {
      s.changes = [null];
    }),
  ],
  [
    'changes: "x"',
    edit(step0, (s) => {
      s.changes = 'x';
    }),
  ],
  [
    'a change kind that is a number',
    edit(step0, (s) => {
      s.changes = [{ kind: 5 }];
    }),
  ],
  [
    'a change path that is a number',
    edit(step0, (s) => {
      s.changes = [{ kind: 'created', path: 5 }];
    }),
  ],
  [
    'an unknown run status',
    edit(run0, (r) => {
      r.status = 'exploded';
    }),
  ],
  [
    'an unknown step status',
    edit(step0, (s) => {
      s.status = 'half';
    }),
  ],
  [
    'attempts as a string',
    edit(step0, (s) => {
      s.attempts = '1';
    }),
  ],
  [
    'negative attempts',
    edit(step0, (s) => {
      s.attempts = -1;
    }),
  ],
  [
    'a run id that is a number',
    edit(run0, (r) => {
      r.id = 7;
    }),
  ],
  [
    'an empty operation',
    edit(run0, (r) => {
      r.operation = '';
    }),
  ],
  [
    'a step name that is null',
    edit(step0, (s) => {
      s.name = null;
    }),
  ],
  ['two runs with one id', (d) => ({ ...d, runs: [run0(d), structuredClone(run0(d))] })],
  [
    'two steps with one name',
    edit(run0, (r) => {
      r.steps = [step0({ runs: [r] }), structuredClone(step0({ runs: [r] }))];
    }),
  ],
  ['runs: {}', (d) => ({ ...d, runs: {} })],
  [
    'version "1"',
    edit(whole, (d) => {
      d.version = '1';
    }),
  ],
  ['the whole file null', () => null],
  ['the whole file an array', () => []],
  ['the whole file a string', () => 'journal'],
];

describe('InstallJournal: journals of the wrong shape', () => {
  it.each(cases)('sets aside a journal with %s, says why, and works on', async (_name, mutate) => {
    const text = JSON.stringify(mutate(validJournal()));
    await writeFile(file, text);
    expect(await useJournal()).toEqual([]);
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toBeUndefined(); // the fresh journal written by useJournal is sound
    expect(await readFile(`${file}.corrupt`, 'utf8')).toBe(text);
  });

  it('the note names the file, what is wrong and where the original went', async () => {
    await writeFile(file, JSON.stringify({ version: 1, runs: [{ ...run0(validJournal()), steps: {} }] }));
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toContain(file);
    expect(journal.corruptNote).toMatch(/runs\[0\]\.steps/);
    expect(journal.corruptNote).toContain(`${file}.corrupt`);
    expect(journal.runs).toEqual([]);
  });

  it('sets aside a journal too large to be one without reading it', async () => {
    await writeFile(file, '{"version":1,"runs":[');
    await truncate(file, 65 * 1024 * 1024);
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toMatch(/more than the 67108864/);
    expect((await stat(`${file}.corrupt`)).size).toBe(65 * 1024 * 1024);
  });

  it('keeps an earlier .corrupt folder and sets the new one aside beside it', async () => {
    await mkdir(`${file}.corrupt`);
    await writeFile(path.join(`${file}.corrupt`, 'inside'), 'x');
    await writeFile(file, '{"version":1,"runs":[null]}');
    const journal = await InstallJournal.open({ file, root });
    const aside = journal.corruptNote?.match(/kept as (\S+)$/)?.[1] ?? '';
    expect(aside.startsWith(`${file}.corrupt-`)).toBe(true);
    expect(await readFile(aside, 'utf8')).toBe('{"version":1,"runs":[null]}');
    expect(await readFile(path.join(`${file}.corrupt`, 'inside'), 'utf8')).toBe('x');
  });

  it('loads a sound journal unchanged (no false alarms)', async () => {
    const data = validJournal();
    (run0(data).steps as Obj[]).push({
      name: 'cfg',
      status: 'undone',
      attempts: 2,
      startedAt: T,
      finishedAt: T,
      result: { nested: [1, 'two', null, { deep: true }] },
      changes: [{ kind: 'pointer', data: { from: 'a', to: 'b' } }],
    });
    run0(data).meta = { models: ['ti2v-5b@abc'] };
    await writeFile(file, JSON.stringify(data));
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toBeUndefined();
    expect(journal.runs).toEqual(data.runs);
  });

  it('never throws anything but its own errors, whatever the shape (property)', async () => {
    const maybe = <V>(valid: fc.Arbitrary<V>) =>
      fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
    const change = fc.record(
      {
        kind: maybe(fc.constantFrom('created', 'replaced', 'custom')),
        path: maybe(fc.constant(`${root}/x`)),
      },
      { requiredKeys: [] },
    );
    const step = fc.record(
      {
        name: maybe(fc.constantFrom('a', 'b', 'models')),
        status: maybe(fc.constantFrom('running', 'done', 'failed', 'undone')),
        attempts: maybe(fc.nat(5)),
        startedAt: maybe(fc.constant(T)),
        changes: maybe(fc.array(maybe(change), { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    const run = fc.record(
      {
        id: maybe(fc.constantFrom('r1', 'r2')),
        operation: maybe(fc.constant('install')),
        status: maybe(fc.constantFrom('running', 'completed', 'failed', 'rolled-back', 'rolling-back')),
        startedAt: maybe(fc.constant(T)),
        steps: maybe(fc.array(maybe(step), { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    const journal = fc.record({
      version: maybe(fc.constant(1)),
      runs: maybe(fc.array(maybe(run), { maxLength: 3 })),
    });
    await fc.assert(
      fc.asyncProperty(journal, async (data) => {
        await rm(path.dirname(file), { recursive: true, force: true });
        await mkdir(path.dirname(file));
        await writeFile(file, JSON.stringify(data));
        expect(await useJournal()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('InstallJournal: temp files of interrupted writes', () => {
  it('removes every temp file of the journal on open (all writers hold the lock), and nothing else', async () => {
    const dir = path.dirname(file);
    await writeFile(file, JSON.stringify(validJournal()));
    const outside = path.join(root, 'outside.txt');
    await writeFile(outside, 'keep me');
    const stale = [
      `.journal.json.999999.0a1b2c3d.tmp`,
      `.journal.json.${process.pid}.12345678.tmp`, // this pid: a writer of ours killed? it held no lock
    ];
    for (const name of stale) await writeFile(path.join(dir, name), 'a torn copy');
    await symlink(outside, path.join(dir, '.journal.json.999999.11111111.tmp'));
    const kept = [
      '.other.json.999999.0a1b2c3d.tmp', // another file's
      '.journal.json.bak',
      '.journal.json.999999.tmp',
      '.journal.json.999999.0A1B2C3D.tmp',
      'journal.json.tmp',
    ];
    for (const name of kept) await writeFile(path.join(dir, name), 'x');
    await mkdir(path.join(dir, '.journal.json.999999.22222222.tmp'));

    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toBeUndefined();
    expect(journal.runs).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual(
      [...kept, 'journal.json', '.journal.json.999999.22222222.tmp'].sort(),
    );
    expect(await readFile(outside, 'utf8')).toBe('keep me');
  });

  it('after repeated kill -9 during writes, open leaves no temp file and a sound journal', async () => {
    const dir = path.dirname(file);
    for (let round = 0; round < 6; round += 1) {
      const child = startJournalChild({ mode: 'churn', file, root, tag: `k${round}`, changes: 3 });
      await child.printed(`step ${2 + (round % 3)}`);
      child.process.kill('SIGKILL');
      await child.exited;
    }
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toBeUndefined();
    expect(journal.runs).toHaveLength(6);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('InstallJournal: what sits at the journal path', () => {
  it('a folder there is a ConfigurationError, and the folder is left as it is', async () => {
    await mkdir(file);
    await writeFile(path.join(file, 'mine'), 'x');
    const error = await InstallJournal.open({ file, root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).option).toBe('InstallJournal.file');
    expect(String(error)).toMatch(/a folder/);
    expect(await readFile(path.join(file, 'mine'), 'utf8')).toBe('x');
  });

  it('a FIFO there is a ConfigurationError at once (opening it does not hang)', async () => {
    execFileSync('mkfifo', [file]);
    const error = await InstallJournal.open({ file, root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toMatch(/a FIFO/);
  });

  it('a symbolic link there is not read through: the link is set aside, its target untouched', async () => {
    const outside = path.join(root, 'elsewhere.json');
    const sound = JSON.stringify(validJournal());
    await writeFile(outside, sound);
    await symlink(outside, file);
    const journal = await InstallJournal.open({ file, root });
    expect(journal.corruptNote).toMatch(/symbolic link/);
    expect(journal.runs).toHaveLength(0);
    await journal.begin('install');
    await journal.finish('completed');
    expect(await readFile(outside, 'utf8')).toBe(sound);
    expect((await lstat(file)).isFile()).toBe(true);
    expect((await lstat(`${file}.corrupt`)).isSymbolicLink()).toBe(true);
  });
});
