/**
 * A process that uses the cross-process file lock, for test/shared/fileLock.test.ts:
 * `node --import tsx test/support/lock-child.ts '<json>'` with `{ mode, target, counter?, rounds? }`.
 * - `count`: `rounds` times, under the lock, reads the number in `counter`, yields, writes it + 1;
 * - `hold`: takes the lock, prints `held`, then waits to be killed;
 * - `leave`: takes the lock, prints `held` and returns without releasing it;
 * - `race`: at wall-clock time `at` tries once (`waitMs: 0`, `staleMs: 2000`); prints
 *   `held <acquired ms> <releasing ms>` after holding it `holdMs`, or `busy`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { acquireFileLock, withFileLock } from '../../src/shared/fileLock.js';

interface LockChildArgs {
  mode: 'count' | 'hold' | 'leave' | 'race';
  target: string;
  counter?: string;
  rounds?: number;
  at?: number;
  holdMs?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as LockChildArgs;

if (args.mode === 'count') {
  const counter = args.counter as string;
  for (let round = 0; round < (args.rounds ?? 1); round += 1) {
    await withFileLock(
      args.target,
      async () => {
        const value = Number(await readFile(counter, 'utf8').catch(() => '0'));
        await delay(1);
        await writeFile(counter, String(value + 1));
      },
      { waitMs: 60_000 },
    );
  }
} else if (args.mode === 'race') {
  // Loads proper-lockfile first (on a lock of its own), so that every child is ready at `at`.
  await (await acquireFileLock(`${args.target}.warm-${process.pid}`)).release();
  await delay(Math.max(0, (args.at ?? 0) - Date.now()));
  try {
    const lock = await acquireFileLock(args.target, { waitMs: 0, staleMs: 2_000 });
    const acquired = Date.now();
    await delay(args.holdMs ?? 300);
    process.stdout.write(`held ${acquired} ${Date.now()}\n`);
    await lock.release();
  } catch {
    process.stdout.write('busy\n');
  }
} else {
  await acquireFileLock(args.target, { staleMs: 2_000 });
  process.stdout.write('held\n');
  if (args.mode === 'hold') setInterval(() => {}, 1_000);
}
