import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cjsEntry = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));
const built = existsSync(cjsEntry);

describe('CommonJS build', () => {
  // Skipped with this reason when dist/ is absent: CI builds before testing; locally run `npm run build`.
  it.skipIf(!built)('require() loads dist/index.cjs with the main exports (needs `npm run build`)', () => {
    const require = createRequire(import.meta.url);
    const api = require(cjsEntry) as Record<string, unknown>;
    for (const name of [
      'RetryPolicy',
      'CircuitBreaker',
      'TimeoutManager',
      'Bulkhead',
      'withReliability',
      'compose',
      'fallback',
      'chaos',
      'classifyError',
      'registerClassifier',
      'ReliabilityError',
      'RetriesExhaustedError',
      'CircuitOpenError',
      'TimeoutError',
      'MissingMethodError',
      'CancelledError',
      'ConfigurationError',
      'parseRetryAfter',
      'parseRateLimit',
    ]) {
      expect(typeof api[name], name).toBe('function');
    }
    const { classifyError, RetryPolicy } = api as {
      classifyError: (error: unknown) => { category: string };
      RetryPolicy: new () => { execute(fn: () => number): Promise<number> };
    };
    expect(classifyError(Object.assign(new Error('x'), { code: 'ENOSPC' })).category).toBe('disk_full');
    return expect(new RetryPolicy().execute(() => 42)).resolves.toBe(42);
  });

  it.skipIf(!built)('every subpath entry loads with require() and shares classes with the root', () => {
    const require = createRequire(import.meta.url);
    const root = require(cjsEntry) as Record<string, unknown>;
    const samples: Record<string, string> = {
      policies: 'RetryPolicy',
      downloads: 'Downloader',
      integrity: 'ModelIntegrityChecker',
      diagnostics: 'PreflightValidator',
      recovery: 'RecoveryRegistry',
      health: 'HealthReporter',
      monitor: 'DiagnosticMonitor',
      availability: 'ModelAvailability',
      install: 'InstallJournal',
    };
    for (const [area, name] of Object.entries(samples)) {
      const api = require(fileURLToPath(new URL(`../../dist/${area}.cjs`, import.meta.url))) as Record<
        string,
        unknown
      >;
      expect(typeof api[name], `${area}: ${name}`).toBe('function');
    }
    const downloads = require(fileURLToPath(new URL('../../dist/downloads.cjs', import.meta.url))) as {
      Downloader: new () => { download(request: object): Promise<unknown> };
    };
    // One copy of every class: an error thrown under /downloads is the root's ConfigurationError.
    return expect(new downloads.Downloader().download({})).rejects.toBeInstanceOf(
      root.ConfigurationError as new () => Error,
    );
  });
});
