/**
 * A process that uses one install journal, for the multi-process journal tests:
 * `node --import tsx test/support/journal-child.ts '<json>'` with `{ mode, file, root, … }`.
 * - `install`: begins `operation` (a run of its own, `resume: false`) and runs `steps` steps, each
 *   recording `changes` `created` changes under `root/<tag>/`; prints `step <i>` after each; exits 0.
 * - `churn`: like `install` but never stops (steps without end), for kill -9 during writes.
 * - `resume`: begins `operation` (resuming), prints `resumed <run id>`, then runs steps `r0…` one
 *   after the other, each recording a change (`recorded r<i>`, then `step r<i>`), until a write
 *   fails; prints `stopped <the error's code>` and exits.
 * - `rollback`: rolls back the newest run with a handler for kind `hang` that prints `undoing` and
 *   never returns (the test kills the process there).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { InstallJournal } from '../../src/install/journal/InstallJournal.js';

interface JournalChildArgs {
  mode: 'install' | 'churn' | 'resume' | 'rollback';
  file: string;
  root: string;
  operation?: string;
  tag?: string;
  steps?: number;
  changes?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as JournalChildArgs;
const say = (line: string) => process.stdout.write(`${line}\n`);
const journal = await InstallJournal.open({ file: args.file, root: args.root });

if (args.mode === 'install' || args.mode === 'churn') {
  const tag = args.tag ?? String(process.pid);
  await journal.begin(args.operation ?? 'install', { resume: false, meta: { tag } });
  const steps = args.mode === 'churn' ? Number.POSITIVE_INFINITY : (args.steps ?? 1);
  for (let i = 0; i < steps; i += 1) {
    await journal.step(`s${i}`, async (handle) => {
      for (let c = 0; c < (args.changes ?? 1); c += 1) {
        await handle.record({ kind: 'created', path: `${args.root}/${tag}/s${i}-c${c}` });
      }
      return i;
    });
    say(`step ${i}`);
  }
  await journal.finish('completed');
} else if (args.mode === 'resume') {
  const { run } = await journal.begin(args.operation ?? 'install');
  say(`resumed ${run.id}`);
  try {
    for (let i = 0; ; i += 1) {
      await journal.step(`r${i}`, async (handle) => {
        await handle.record({ kind: 'created', path: `${args.root}/${args.tag ?? 'r'}/r${i}` });
        say(`recorded r${i}`);
        await delay(5);
      });
      say(`step r${i}`);
    }
  } catch (error) {
    say(`stopped ${(error as { code?: string }).code ?? (error as Error).message}`);
  }
} else {
  await journal.rollback({
    handlers: {
      hang: () => {
        say('undoing');
        return new Promise<void>(() => setInterval(() => {}, 1_000));
      },
    },
  });
  say('rolled back');
}
