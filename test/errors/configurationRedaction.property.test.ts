import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorContextCapturer } from '../../src/diagnostics/capture/ErrorContextCapturer.js';
import { checks } from '../../src/diagnostics/preflight/checks/builtins.js';
import { Downloader } from '../../src/downloads/Downloader.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { InstallJournal } from '../../src/install/journal/InstallJournal.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { RetryPolicy } from '../../src/policies/retry/RetryPolicy.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { arbitrarySecret, between, chars, TOKEN68, tokenShaped, urlSafeSecret } from '../support/secrets.js';
import { thrownBy } from '../support/thrown.js';

// A secret given in the wrong place (a token where a number or an options object belongs, a mirror
// URL with credentials) is rejected with ConfigurationError, whose message shows what was received:
// that text must never hold the secret. Generators shared with the capture property (test/support/secrets.ts).

const secretName = fc
  .tuple(
    fc.string({ unit: chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 1, maxLength: 6 }),
    fc.constantFrom('TOKEN', 'SECRET', 'PASSWORD', 'API_KEY', 'AUTH', 'CREDENTIAL', 'SESSION'),
  )
  .map(([prefix, word]) => `WANCFG_${prefix}_${word}`);

/** A secret and the value that carries it, as someone might pass it by mistake. */
const placed = fc.oneof(
  tokenShaped.map((secret) => ({ secret, value: secret, env: undefined })),
  tokenShaped.map((secret) => ({ secret, value: `Bearer ${secret}`, env: undefined })),
  between(TOKEN68, 8, 60).map((secret) => ({
    secret,
    value: `Authorization: Bearer ${secret}`,
    env: undefined,
  })),
  urlSafeSecret.map((secret) => ({
    secret,
    value: `https://user:${secret}@mirror.example.com/m/`,
    env: undefined,
  })),
  urlSafeSecret.map((secret) => ({
    secret,
    value: `https://h.example/x?access_token=${secret}`,
    env: undefined,
  })),
  fc.tuple(secretName, arbitrarySecret).map(([env, secret]) => ({ secret, value: secret, env })),
);

/** Public entry points given `value` where it does not belong; each must throw ConfigurationError. */
const PLACES: readonly [string, (value: string) => unknown][] = [
  ['RetryPolicy.retries', (v) => new RetryPolicy({ retries: v as never })],
  ['CircuitBreaker.state', (v) => new CircuitBreaker({ state: v as never })],
  ['CircuitBreaker options', (v) => new CircuitBreaker(v as never)],
  ['Downloader.headers', (v) => new Downloader({ headers: v as never })],
  ['Downloader.token', (v) => new Downloader({ token: v as never })],
  ['Downloader.tempDir', (v) => new Downloader({ tempDir: [v] as never })],
  ['ErrorContextCapturer.snapshotTimeout', (v) => new ErrorContextCapturer({ snapshotTimeout: v as never })],
  ['ErrorContextCapturer.secrets', (v) => new ErrorContextCapturer({ secrets: v as never })],
  ['RecoveryRegistry.historyLimit', (v) => new RecoveryRegistry({ historyLimit: v as never })],
  ['InstallJournal options', (v) => InstallJournal.open(v as never)],
  ['withReliability options', (v) => withReliability({ ping: () => 1 }, v as never)],
  ['checks.nodeVersion.range', (v) => checks.nodeVersion(v)],
  ['checks.diskSpace.requiredBytes', (v) => checks.diskSpace({ path: '/', requiredBytes: v as never })],
  ['checks.command.optional', (v) => checks.command({ name: 'git', optional: v as never })],
];

/** Every text of the error a caller might print or persist. */
function texts(error: ConfigurationError): string[] {
  return [
    error.message,
    String(error),
    JSON.stringify(error),
    error.stack ?? '',
    error.remediation.join('\n'),
  ];
}

describe('ConfigurationError never prints a secret given as a bad value', () => {
  it('not in the message, String(error), its JSON or its stack', async () => {
    // Text that is there whatever the value (labels, expectations): a secret that happens to be
    // part of it cannot be told apart from it, so such draws are skipped.
    const baseline: string[] = [];
    for (const [, build] of PLACES) {
      const error = await thrownBy(() => build('NEUTRAL'));
      if (error instanceof ConfigurationError) baseline.push(...texts(error));
    }
    const fixedText = baseline.join('\n');
    const place = fc.constantFrom(...PLACES);

    await fc.assert(
      fc.asyncProperty(placed, place, async ({ secret, value, env }, [option, build]) => {
        fc.pre(!fixedText.includes(secret) && !'[REDACTED]'.includes(secret));
        if (env) process.env[env] = secret;
        try {
          const error = await thrownBy(() => build(value));
          expect(error, option).toBeInstanceOf(ConfigurationError);
          expect((error as ConfigurationError).option.startsWith(option), option).toBe(true);
          for (const text of texts(error as ConfigurationError)) {
            if (text.includes(secret)) {
              throw new Error(`${option}: secret ${JSON.stringify(secret)} printed in ${text.slice(0, 300)}`);
            }
          }
        } finally {
          if (env) delete process.env[env];
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });

  it('still shows a received string that holds no secret, cut to 40 characters', () => {
    const error = new ConfigurationError('X.mode', "'a' or 'b'", 'fast');
    expect(error.message).toBe(`Invalid option X.mode: expected 'a' or 'b', received "fast"`);
    const long = new ConfigurationError('X.path', 'a number', 'abcdefghij'.repeat(6));
    expect(long.message).toContain(`received "${'abcdefghij'.repeat(4)}…"`);
  });

  it('shows where a secret was without showing it', () => {
    const error = new ConfigurationError(
      'Downloader.proxy',
      'an object',
      'https://me:hunter2pass@proxy.example:3128',
    );
    expect(error.message).not.toContain('hunter2pass');
    expect(error.message).toContain('[REDACTED]@proxy.example');
  });

  it('describes hostile values without touching them', () => {
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    expect(new ConfigurationError('X.list', 'an array of strings', proxy).message).toContain(
      'received object',
    );
    const sneaky = new Proxy([1, 2], {
      get(target, key) {
        if (key === 'length') throw new Error('no');
        return Reflect.get(target, key);
      },
    });
    expect(new ConfigurationError('X.list', 'strings', sneaky).message).toContain('received an array');
  });
});
