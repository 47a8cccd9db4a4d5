/**
 * A process that uses the cross-process file lock, for test/shared/fileLock.test.ts:
 * `node --import tsx test/support/lock-child.ts '<json>'` with `{ mode, target, counter?, rounds? }`.
 * - `count`: `rounds` times, under the lock, reads the number in `counter`, yields, writes it + 1;
 * - `hold`: takes the lock, prints `held`, then waits to be killed;
 * - `leave`: takes the lock, prints `held` and returns without releasing it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { acquireFileLock, withFileLock } from '../../src/shared/fileLock.js';

interface LockChildArgs {
  mode: 'count' | 'hold' | 'leave';
  target: string;
  counter?: string;
  rounds?: number;
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
} else {
  await acquireFileLock(args.target, { staleMs: 2_000 });
  process.stdout.write('held\n');
  if (args.mode === 'hold') setInterval(() => {}, 1_000);
}
