import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  CircuitOpenError,
  ConfigurationError,
  classifyError,
  ERROR_CATEGORIES,
  type ErrorClassifier,
  HttpError,
  isReliabilityError,
  MissingMethodError,
  ReliabilityError,
  RetriesExhaustedError,
  registerClassifier,
  TimeoutError,
} from '../../src/index.js';

function codeError(code: string, message = `${code} happened`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

function statusError(status: number, headers?: Record<string, string>): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, ...(headers ? { headers } : {}) });
}

const removers: Array<() => void> = [];
afterEach(() => {
  for (const remove of removers.splice(0)) remove();
});

describe('classifyError: Node error codes', () => {
  it.each([
    ['ENOSPC', 'disk_full', false],
    ['EACCES', 'permission', false],
    ['EPERM', 'permission', false],
    ['ECONNRESET', 'network', true],
    ['ENOTFOUND', 'network', true],
    ['ECONNREFUSED', 'network', true],
    ['EAI_AGAIN', 'network', true],
    ['ETIMEDOUT', 'timeout', true],
    ['EMFILE', 'resource_exhaustion', true],
  ] as const)('%s → %s (retryable %s) with remediation', (code, category, retryable) => {
    const result = classifyError(codeError(code));
    expect(result.category).toBe(category);
    expect(result.retryable).toBe(retryable);
    expect(result.code).toBe(code);
    expect(result.remediation.length).toBeGreaterThan(0);
    for (const step of result.remediation) expect(step.trim()).not.toBe('');
  });

  it('treats TLS certificate failures as network errors that retrying will not fix', () => {
    const result = classifyError(codeError('SELF_SIGNED_CERT_IN_CHAIN'));
    expect(result).toMatchObject({ category: 'network', retryable: false });
    expect(result.remediation.join(' ')).toMatch(/NODE_EXTRA_CA_CERTS/);
  });

  it('lets an explicit retryable flag on the error win over the code rule', () => {
    expect(classifyError(Object.assign(codeError('ECONNRESET'), { retryable: false })).retryable).toBe(false);
  });
});

describe('classifyError: HTTP statuses', () => {
  it.each([
    [401, 'authentication', false],
    [403, 'authentication', false],
    [404, 'configuration', false],
    [408, 'timeout', true],
    [429, 'rate_limit', true],
    [500, 'network', true],
    [503, 'network', true],
    [501, 'network', false],
  ] as const)('%i → %s (retryable %s)', (status, category, retryable) => {
    const result = classifyError(statusError(status));
    expect(result).toMatchObject({ category, retryable, status });
    expect(result.remediation.length).toBeGreaterThan(0);
  });

  it('reads the status from a response object and statusCode as well', () => {
    expect(classifyError({ response: { status: 401 } }).category).toBe('authentication');
    expect(classifyError({ statusCode: 429 }).category).toBe('rate_limit');
  });

  it('turns Retry-After and RateLimit headers into retryAfterMs', () => {
    expect(classifyError(statusError(429, { 'retry-after': '7' })).retryAfterMs).toBe(7000);
    expect(classifyError(statusError(503, { RateLimit: '"api";r=0;t=12' })).retryAfterMs).toBe(12_000);
    const now = Date.UTC(2030, 0, 1);
    const date = new Date(now + 30_000).toUTCString();
    expect(classifyError(statusError(429, { 'retry-after': date }), { now }).retryAfterMs).toBe(30_000);
    expect(classifyError(statusError(429)).retryAfterMs).toBeUndefined();
  });

  it('classifies the HttpError class by its status and keeps its headers', () => {
    const error = new HttpError(429, 'slow down', { headers: { 'retry-after': '3' } });
    expect(error).toBeInstanceOf(ReliabilityError);
    expect(classifyError(error)).toMatchObject({
      category: 'rate_limit',
      retryable: true,
      retryAfterMs: 3000,
    });
    expect(classifyError(new HttpError(404, 'gone'))).toMatchObject({
      category: 'configuration',
      retryable: false,
    });
  });
});

describe('classifyError: messages, causes and the package’s own errors', () => {
  it('maps fetch-style TypeError("fetch failed") through its cause to network', () => {
    const error = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    expect(classifyError(error)).toMatchObject({ category: 'network', retryable: true });
  });

  it('maps "x is not a function" to missing_method, not retryable', () => {
    let thrown: unknown;
    try {
      const component: Record<string, unknown> = {};
      (component.download as () => void)();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(classifyError(thrown)).toMatchObject({ category: 'missing_method', retryable: false });
    expect(classifyError(new TypeError('installer.fetchFile is not a function')).category).toBe(
      'missing_method',
    );
  });

  it('follows AggregateError to its first error', () => {
    expect(classifyError(new AggregateError([codeError('ENOSPC')], 'all failed')).category).toBe('disk_full');
  });

  it('classifies AbortError as cancelled and DOMException TimeoutError as timeout', () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyError(controller.signal.reason).category).toBe('cancelled');
    expect(classifyError(new DOMException('took too long', 'TimeoutError')).category).toBe('timeout');
  });

  it('uses the category and remediation of the package’s own errors', () => {
    expect(classifyError(new TimeoutError('model_download', 10)).category).toBe('timeout');
    expect(classifyError(new CancelledError()).category).toBe('cancelled');
    const open = classifyError(new CircuitOpenError('hub', 5000));
    expect(open).toMatchObject({ category: 'circuit_open', retryable: false });
    const missing = new MissingMethodError('downloader', 'fetchFile', ['download']);
    expect(classifyError(missing)).toMatchObject({ category: 'missing_method', code: 'ERR_MISSING_METHOD' });
    expect(classifyError(missing).remediation).toEqual(missing.remediation);
    const config = new ConfigurationError('RetryPolicy.retries', 'a count', -1);
    expect(classifyError(config).category).toBe('configuration');
  });

  it('never retries an exhausted retry sequence again', () => {
    const failure = {
      attempt: 1,
      error: codeError('ECONNRESET'),
      classification: classifyError(codeError('ECONNRESET')),
    };
    const exhausted = new RetriesExhaustedError('download', [failure]);
    expect(exhausted.category).toBe('network');
    expect(classifyError(exhausted).retryable).toBe(false);
  });

  it('returns unknown (not retryable) for values it cannot read, with remediation', () => {
    for (const value of [undefined, null, 42, 'boom', new Error('plain'), {}]) {
      const result = classifyError(value);
      expect(result.category).toBe('unknown');
      expect(result.retryable).toBe(false);
      expect(result.remediation.length).toBeGreaterThan(0);
    }
  });

  it('has default remediation for every category', () => {
    for (const category of ERROR_CATEGORIES) {
      const result = classifyError({ x: 1 }, { classifiers: [() => ({ category })] });
      expect(result.category).toBe(category);
      expect(result.remediation.length, category).toBeGreaterThan(0);
    }
  });

  it('recognises package errors from another copy of the package by shape', () => {
    const foreign = { code: 'ERR_X', category: 'disk_full', remediation: ['free space'], message: 'x' };
    expect(isReliabilityError(foreign)).toBe(true);
    expect(classifyError(foreign)).toMatchObject({ category: 'disk_full', remediation: ['free space'] });
  });
});

describe('classifyError: user classifiers run first', () => {
  const mine: ErrorClassifier = (error) =>
    (error as { code?: unknown }).code === 'ECONNRESET'
      ? { category: 'system', retryable: false }
      : undefined;

  it('options.classifiers override the built-in rules and fall through on undefined', () => {
    const result = classifyError(codeError('ECONNRESET'), { classifiers: [mine] });
    expect(result).toMatchObject({ category: 'system', retryable: false });
    expect(result.remediation.length).toBeGreaterThan(0);
    expect(classifyError(codeError('ENOSPC'), { classifiers: [mine] }).category).toBe('disk_full');
  });

  it('registerClassifier applies process-wide until removed; options classifiers still come first', () => {
    removers.push(
      registerClassifier((error) =>
        (error as { code?: unknown }).code === 'E_WAN_GPU' ? { category: 'resource_exhaustion' } : undefined,
      ),
    );
    const gpu = codeError('E_WAN_GPU');
    expect(classifyError(gpu)).toMatchObject({ category: 'resource_exhaustion', retryable: true });
    expect(
      classifyError(gpu, { classifiers: [() => ({ category: 'dependency', remediation: ['update CUDA'] })] }),
    ).toMatchObject({ category: 'dependency', remediation: ['update CUDA'] });
    removers.pop()?.();
    expect(classifyError(gpu).category).toBe('unknown');
  });

  it('registerClassifier rejects non-functions', () => {
    expect(() => registerClassifier('nope' as unknown as ErrorClassifier)).toThrow(ConfigurationError);
  });
});
