import { describe, expect, it } from 'vitest';
import {
  Bulkhead,
  type BulkheadOptions,
  BulkheadRejectedError,
  ConfigurationError,
  classifyError,
} from '../../../src/index.js';

/** A task the test finishes by hand. */
function gate<T = string>(): {
  promise: Promise<T>;
  open: (value: T) => void;
  fail: (error: unknown) => void;
} {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Bulkhead', () => {
  it('runs at most maxConcurrent calls at once and queues the rest', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 2 });
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const results = gates.map((g, i) =>
      bulkhead.execute(() => {
        started.push(i);
        return g.promise;
      }),
    );
    expect(started).toEqual([0, 1]);
    expect(bulkhead.running).toBe(2);
    expect(bulkhead.queued).toBe(2);
    gates[0]?.open('a');
    await results[0];
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.fail(new Error('b failed'));
    await expect(results[1]).rejects.toThrow('b failed');
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]?.open('c');
    gates[3]?.open('d');
    await expect(Promise.all([results[2], results[3]])).resolves.toEqual(['c', 'd']);
    expect(bulkhead.running).toBe(0);
  });

  it('starts queued calls by priority, then in arrival order', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const first = gate();
    const order: string[] = [];
    const blocker = bulkhead.execute(() => first.promise);
    const queued = (
      [
        ['low-1', 0],
        ['high-1', 5],
        ['low-2', 0],
        ['high-2', 5],
        ['mid', 2],
      ] as const
    ).map(([name, priority]) =>
      bulkhead.execute(
        () => {
          order.push(name);
          return name;
        },
        { priority },
      ),
    );
    first.open('done');
    await blocker;
    await Promise.all(queued);
    expect(order).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2']);
  });

  it('rejects with BulkheadRejectedError when the queue is full', async () => {
    const bulkhead = new Bulkhead({ name: 'pip', maxConcurrent: 1, maxQueue: 1 });
    const g = gate();
    const running = bulkhead.execute(() => g.promise);
    const waiting = bulkhead.execute(() => 'second');
    const error = await bulkhead.execute(() => 'third').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(error).toMatchObject({ maxConcurrent: 1, maxQueue: 1, category: 'resource_exhaustion' });
    expect((error as Error).message).toContain('pip');
    g.open('first');
    await expect(Promise.all([running, waiting])).resolves.toEqual(['first', 'second']);
  });

  it('an aborted waiter leaves the queue at once and rejects as cancelled', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const g = gate();
    const running = bulkhead.execute(() => g.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = bulkhead
      .execute(
        () => {
          ran = true;
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect(bulkhead.queued).toBe(1);
    controller.abort();
    expect(classifyError(await waiting).category).toBe('cancelled');
    expect(bulkhead.queued).toBe(0);
    g.open('x');
    await running;
    await tick();
    expect(ran).toBe(false);
    const early = await bulkhead.execute(() => 1, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(classifyError(early).category).toBe('cancelled');
  });

  it('frees the slot when fn throws synchronously', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    await expect(
      bulkhead.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(bulkhead.running).toBe(0);
    await expect(bulkhead.execute(() => 'next')).resolves.toBe('next');
  });

  it.each([
    [{ maxConcurrent: 0 }, 'Bulkhead.maxConcurrent'],
    [{ maxConcurrent: 1.5 }, 'Bulkhead.maxConcurrent'],
    [{ maxQueue: -1 }, 'Bulkhead.maxQueue'],
  ])('%o throws ConfigurationError naming %s', (options, option) => {
    expect(() => new Bulkhead(options as BulkheadOptions)).toThrow(ConfigurationError);
    try {
      new Bulkhead(options as BulkheadOptions);
    } catch (error) {
      expect(error).toMatchObject({ option, category: 'configuration' });
    }
  });
});
