import { afterEach, describe, expect, it } from 'vitest';
import { notify } from '../../src/shared/observer.js';
import { revoked, withThrowingGetters } from '../support/hostile-values.js';

/** Collects process warnings of the observer code until the test ends. */
function collectWarnings(): Error[] {
  const seen: Error[] = [];
  const listener = (warning: Error) => {
    if ((warning as { code?: string }).code === 'WAN_RELIABILITY_OBSERVER_FAILED') seen.push(warning);
  };
  process.on('warning', listener);
  cleanups.push(() => process.off('warning', listener));
  return seen;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Warnings are emitted on the next tick; rejections settle in microtasks before it. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('notify', () => {
  it('swallows a throw and reports it once per source, redacted', async () => {
    const warnings = collectWarnings();
    const token = `hf_${'a'.repeat(30)}`;
    const failing = () => {
      throw new Error(`upload with ${token} failed`);
    };
    expect(() => notify('test observer A', failing)).not.toThrow();
    notify('test observer A', failing);
    await nextTick();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('test observer A threw');
    expect(warnings[0]?.message).not.toContain(token);
    expect(warnings[0]?.message).toContain('[REDACTED]');
  });

  it('catches a returned promise that rejects (no unhandled rejection) and reports it', async () => {
    const warnings = collectWarnings();
    notify('test observer B', async () => {
      throw new Error('async logger failed');
    });
    await nextTick();
    await nextTick();
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('async logger failed')]);
  });

  it('survives hostile throws and hostile thenables', async () => {
    const warnings = collectWarnings();
    notify('test observer C', () => {
      throw revoked({});
    });
    notify('test observer D', () => withThrowingGetters({}, ['then']));
    notify('test observer E', () => revoked({}));
    await nextTick();
    await nextTick();
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('test observer C threw: [unprintable object]'),
      expect.stringContaining('test observer D threw'),
      expect.stringContaining('test observer E threw'),
    ]);
  });

  it('does nothing visible for an observer that returns a value or resolves', async () => {
    const warnings = collectWarnings();
    notify('test observer F', () => 1);
    notify('test observer G', () => ({ logged: true }));
    notify('test observer H', async () => 'ok');
    await nextTick();
    expect(warnings).toHaveLength(0);
  });
});
