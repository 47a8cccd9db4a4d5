import { describe, expect, it } from 'vitest';
import { SharedTask } from '../../src/availability/sharedTask.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('SharedTask', () => {
  it('runs once for every caller, and aborts the work only when the last caller left', async () => {
    const gate = deferred();
    let runs = 0;
    let workSignal: AbortSignal | undefined;
    const task = new SharedTask(async (signal) => {
      runs++;
      workSignal = signal;
      await gate.promise;
      return 'done';
    });
    const a = new AbortController();
    const b = new AbortController();
    const pa = task.join(a.signal);
    const pb = task.join(b.signal);
    const pc = task.join();
    await Promise.resolve();
    a.abort();
    await expect(pa).rejects.toMatchObject({ category: 'cancelled' });
    expect(task.refs).toBe(2);
    expect(workSignal?.aborted).toBe(false);
    gate.resolve();
    await expect(pb).resolves.toBe('done');
    await expect(pc).resolves.toBe('done');
    expect(runs).toBe(1);
    expect(task.refs).toBe(0);
  });

  it('aborts the work when every caller aborted', async () => {
    let workSignal: AbortSignal | undefined;
    const task = new SharedTask(
      (signal) =>
        new Promise<void>((_, reject) => {
          workSignal = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    );
    const a = new AbortController();
    const b = new AbortController();
    const joined = [task.join(a.signal), task.join(b.signal)].map((p) => p.catch((e: unknown) => e));
    await Promise.resolve();
    a.abort();
    expect(task.abandoned).toBe(false);
    b.abort();
    await Promise.all(joined);
    expect(task.abandoned).toBe(true);
    expect(workSignal?.aborted).toBe(true);
    await task.done();
    expect(task.settled).toBe(true);
  });
});
