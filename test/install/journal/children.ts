// Starts test/support/journal-child.ts processes and waits for what they print.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const CHILD = path.resolve(__dirname, '../../support/journal-child.ts');

/** A started child, its output so far, and its exit. */
export interface JournalChild {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the child printed `line` (rejects if it exits first). */
  printed(line: string | RegExp): Promise<void>;
}

const started: ChildProcess[] = [];

/** Starts a journal child with `args` (see test/support/journal-child.ts). */
export function startJournalChild(args: object): JournalChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  let text = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const has = (line: string | RegExp) => (typeof line === 'string' ? text.includes(line) : line.test(text));
  return {
    process: child,
    output: () => text,
    exited,
    printed: (line) =>
      new Promise<void>((resolve, reject) => {
        if (has(line)) return resolve();
        const check = () => {
          if (!has(line)) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        void exited.then(() => {
          if (has(line)) resolve();
          else reject(new Error(`child exited before printing ${line}: ${text}`));
        });
      }),
  };
}

/** Kills every child still running (afterEach). */
export function killJournalChildren(): void {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}
