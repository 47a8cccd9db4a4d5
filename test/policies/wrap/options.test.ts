import { describe, expect, it } from 'vitest';
import { ConfigurationError, withReliability } from '../../../src/index.js';
import { touch } from '../../support/hostile-values.js';

const component = {
  async run(): Promise<string> {
    return 'ran';
  },
};

/** The option path a ConfigurationError names, or the error when something else was thrown. */
function rejectedOption(options: Record<string, unknown>): unknown {
  try {
    withReliability(component, { name: 'opts', ...options } as { name: string });
  } catch (error) {
    return error instanceof ConfigurationError ? error.option : error;
  }
  return 'accepted';
}

describe('withReliability: hooks and tables are validated when wrapping', () => {
  it.each([
    ['withReliability options.logger.warn', { logger: {} }],
    ['withReliability options.logger.error', { logger: { warn: () => {}, error: 'console' } }],
    ['withReliability options.logger.debug', { logger: { warn: () => {}, error: () => {}, debug: 1 } }],
    ['withReliability options.logger', { logger: 'console' }],
    ['withReliability options.health.record', { health: { record: null } }],
    [
      'withReliability options.health.record',
      { health: Object.defineProperty({}, 'record', { get: touch }) },
    ],
    ['withReliability options.recovery.recover', { recovery: { recover: true } }],
    ['withReliability options.capture', { capture: null }],
    ['withReliability options.aliases.old', { aliases: { old: 42 } }],
    ['withReliability options.aliases.old', { aliases: { old: '' } }],
    ['withReliability options.aliases', { aliases: ['run'] }],
    ['withReliability options.fallbacks.verify', { fallbacks: { verify: 'yes' } }],
    ['withReliability options.methods.run', { methods: { run: true } }],
    ['withReliability options.methods', { methods: 'none' }],
    ['withReliability options.correlationId', { correlationId: 7 }],
    ['withReliability options.phase', { phase: {} }],
    ['withReliability options.signal', { signal: { aborted: false } }],
    ['withReliability options.timeouts', { timeouts: {} }],
    ['withReliability options.timeout', { timeout: -1 }],
    ['withReliability options.timeout', { timeout: Number.NaN }],
    ['withReliability options.timeout', { timeout: '' }],
    ['withReliability options.timeout', { timeout: true }],
  ])('refuses a bad %s', (option, options) => {
    expect(rejectedOption(options)).toBe(option);
  });

  it('accepts what the documentation shows', () => {
    expect(
      rejectedOption({
        logger: console,
        health: { record: () => {} },
        recovery: { recover: async () => ({ action: 'fail' }) },
        capture: { capture: async () => undefined },
        aliases: { old: 'run' },
        fallbacks: { verify: () => true },
        methods: { run: { timeout: 50 }, other: false, third: undefined },
        correlationId: 'run-1',
        phase: 'download',
        signal: new AbortController().signal,
        timeout: 'model_download',
      }),
    ).toBe('accepted');
    expect(rejectedOption({ timeout: false, retry: false, breaker: false })).toBe('accepted');
  });
});
