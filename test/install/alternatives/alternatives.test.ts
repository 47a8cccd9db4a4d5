import { describe, expect, it } from 'vitest';
import { AlternativesExhaustedError } from '../../../src/errors/AlternativesExhaustedError.js';
import { tryAlternatives } from '../../../src/install/alternatives/tryAlternatives.js';

const fail = (message: string, code?: string) => () => {
  throw Object.assign(new Error(message), code ? { code } : {});
};

describe('tryAlternatives', () => {
  it('tries in order until one works and reports every attempt', async () => {
    const seen: string[] = [];
    const result = await tryAlternatives(
      [
        { name: 'plain', run: fail('connection reset', 'ECONNRESET') },
        { name: 'offline', applies: () => false, run: () => 'never' },
        { name: 'no-cache', run: () => 'ok' },
        { name: 'later', run: () => 'not reached' },
      ],
      { operation: 'pip install', onAttempt: (a) => seen.push(`${a.name}:${a.outcome}`) },
    );
    expect(result.value).toBe('ok');
    expect(result.winner).toBe('no-cache');
    expect(seen).toEqual(['plain:failed', 'offline:skipped', 'no-cache:success']);
    expect(result.attempts[0]).toMatchObject({ category: 'network', message: 'connection reset' });
  });

  it('throws AlternativesExhaustedError carrying every failure', async () => {
    const error = await tryAlternatives(
      [
        { name: 'a', run: fail('one') },
        { name: 'b', run: fail('disk', 'ENOSPC') },
      ],
      { operation: 'pip install' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlternativesExhaustedError);
    const exhausted = error as AlternativesExhaustedError;
    expect(exhausted.failures.map((f) => f.name)).toEqual(['a', 'b']);
    expect(exhausted.category).toBe('disk_full');
    expect(exhausted.message).toMatch(/pip install: all 2 alternatives failed \(a, b\); last: disk/);
  });

  it('stops at once when continueOn says so, and on abort', async () => {
    let reached = false;
    await expect(
      tryAlternatives(
        [
          { name: 'a', run: fail('disk', 'ENOSPC') },
          {
            name: 'b',
            run: () => {
              reached = true;
              return 1;
            },
          },
        ],
        { continueOn: (_e, category) => category !== 'disk_full' },
      ),
    ).rejects.toThrow('disk');
    expect(reached).toBe(false);
    const controller = new AbortController();
    const pending = tryAlternatives(
      [
        {
          name: 'slow',
          run: ({ signal }) =>
            new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
        },
        {
          name: 'b',
          run: () => {
            reached = true;
            return 1;
          },
        },
      ],
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ category: 'cancelled' });
    expect(reached).toBe(false);
    await expect(tryAlternatives([])).rejects.toMatchObject({ category: 'configuration' });
  });
});
