import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CallOutcome,
  type CaptureHook,
  CircuitBreaker,
  CircuitOpenError,
  ConfigurationError,
  classifyError,
  compose,
  type HealthHook,
  HttpError,
  MissingMethodError,
  type RecoveryDecision,
  type RecoveryHook,
  type RecoveryRequest,
  RetriesExhaustedError,
  RetryPolicy,
  type RetryPolicyOptions,
  TimeoutError,
  TimeoutManager,
  withReliability,
} from '../../../src/index.js';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function observe<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function resetError(): Error {
  return Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
}

/** A legacy downloader: state on `this`, a private field, a getter, a sync method. */
class Downloader {
  readonly version = '1.4.2';
  readonly mirrors = ['https://hf.example', 'https://ms.example'];
  failuresLeft: number;
  calls = 0;
  #token = 'secret-token';

  constructor(failuresLeft = 0) {
    this.failuresLeft = failuresLeft;
  }

  get busy(): boolean {
    return false;
  }

  async download(url: string): Promise<string> {
    this.calls += 1;
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw resetError();
    }
    return `${url} with ${this.#token.length}-char token`;
  }

  ping(): string {
    return `pong from ${this.version}`;
  }

  hang(): Promise<never> {
    return new Promise(() => {});
  }
}

const breakers: CircuitBreaker[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const b of breakers.splice(0)) b.dispose();
  vi.useRealTimers();
});

const noPolicies = { breaker: false, timeout: false } as const;

describe('withReliability: calls', () => {
  it('retries a flaky method, keeps `this` and passes non-function properties', async () => {
    const component = new Downloader(2);
    const wrapped = withReliability(component, {
      name: 'downloader',
      retry: { delays: [5, 5, 5] },
      ...noPolicies,
    });
    const result = observe(wrapped.download('model.safetensors'));
    await vi.advanceTimersByTimeAsync(10);
    expect(await result).toEqual({ ok: true, value: 'model.safetensors with 12-char token' });
    expect(component.calls).toBe(3);
    expect(wrapped.calls).toBe(3);
    expect(wrapped.version).toBe('1.4.2');
    expect(wrapped.mirrors).toBe(component.mirrors);
    expect(wrapped.busy).toBe(false);
  });

  it('gives up with RetriesExhaustedError after the budget', async () => {
    const component = new Downloader(10);
    const wrapped = withReliability(component, {
      name: 'downloader',
      retry: { retries: 2, delays: [5] },
      ...noPolicies,
    });
    const result = observe(wrapped.download('x'));
    await vi.advanceTimersByTimeAsync(100);
    const outcome = await result;
    expect((outcome as { error: unknown }).error).toBeInstanceOf(RetriesExhaustedError);
    expect(component.calls).toBe(3);
  });

  it('returns a Promise from synchronous methods', async () => {
    const wrapped = withReliability(new Downloader(), { name: 'd', ...noPolicies });
    const result = wrapped.ping();
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe('pong from 1.4.2');
  });

  it('methods: { ping: false } passes the method through untouched', () => {
    const health = { record: vi.fn() };
    const wrapped = withReliability(new Downloader(), { name: 'd', methods: { ping: false }, health });
    expect(wrapped.ping()).toBe('pong from 1.4.2');
    expect(health.record).not.toHaveBeenCalled();
  });

  it('leaves Object.prototype methods (and overrides of them) synchronous and unwrapped', () => {
    class Named {
      #label = 'wan-downloader';
      toString(): string {
        return this.#label;
      }
    }
    const named = withReliability(new Named(), { name: 'n', ...noPolicies });
    expect(`${named}`).toBe('wan-downloader');
    const plain = withReliability(new Downloader(), { name: 'd', ...noPolicies });
    expect(`${plain}`).toBe('[object Object]');
    expect(Object.hasOwn(plain, 'version')).toBe(true);
    expect(plain.constructor).toBe(Downloader);
  });

  it('calls a method replaced on the component after wrapping', async () => {
    const component = new Downloader();
    const wrapped = withReliability(component, { name: 'd', ...noPolicies });
    await wrapped.download('a');
    component.download = async (url: string) => `patched ${url}`;
    await expect(wrapped.download('b')).resolves.toBe('patched b');
  });

  it('the proxy is not thenable: awaiting it returns it', async () => {
    const wrapped = withReliability(new Downloader(), { name: 'd', ...noPolicies });
    expect((wrapped as unknown as { then?: unknown }).then).toBeUndefined();
    const awaited = await wrapped;
    expect(awaited).toBe(wrapped);
    expect(JSON.parse(JSON.stringify(wrapped))).toMatchObject({ version: '1.4.2', calls: 0 });
  });

  it('applies per-method timeouts by table name or ms, and the component default', async () => {
    const timeouts = new TimeoutManager({ defaults: { quick_op: 50 } });
    const wrapped = withReliability(new Downloader(), {
      name: 'd',
      retry: false,
      breaker: false,
      timeout: 1000,
      timeouts,
      methods: { hang: { timeout: 'quick_op' }, download: { timeout: 20 } },
    });
    const hung = observe(wrapped.hang());
    await vi.advanceTimersByTimeAsync(50);
    const error = ((await hung) as { error: unknown }).error;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 50 });
    expect(classifyError(error).category).toBe('timeout');
  });

  it('aborts every call through the component signal', async () => {
    const controller = new AbortController();
    const wrapped = withReliability(new Downloader(), {
      name: 'd',
      signal: controller.signal,
      breaker: false,
    });
    const result = observe(wrapped.hang());
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(classifyError(((await result) as { error: unknown }).error).category).toBe('cancelled');
  });
});

describe('withReliability: breaker', () => {
  it('shares one breaker per component by default and rejects with circuit_open once it opens', async () => {
    const component = new Downloader(100);
    const wrapped = withReliability(component, {
      name: 'hub',
      retry: false,
      breaker: { consecutiveFailures: 2, resetTimeout: 1000 },
      timeout: false,
    });
    await observe(wrapped.download('a'));
    await observe(wrapped.download('b'));
    const rejected = await observe(wrapped.ping());
    const error = (rejected as { error: unknown }).error;
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ breaker: 'hub', category: 'circuit_open' });
    expect(CircuitBreaker.registry().some((b) => b.name === 'hub' && b.state === 'open')).toBe(true);
    for (const b of CircuitBreaker.registry()) if (b.name === 'hub') breakers.push(b);
  });

  it('behaves like compose(retry, breaker): a breaker opening mid-retry ends the sequence', async () => {
    const breaker = new CircuitBreaker({ name: 'mid-retry', consecutiveFailures: 3, resetTimeout: 10_000 });
    breakers.push(breaker);
    const component = new Downloader(100);
    const wrapped = withReliability(component, {
      name: 'd',
      retry: new RetryPolicy({ retries: 10, delays: [1] }),
      breaker,
      timeout: false,
    });
    const result = observe(wrapped.download('x'));
    await vi.advanceTimersByTimeAsync(100);
    expect(((await result) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
    expect(component.calls).toBe(3);
    expect(breaker.state).toBe('open');
  });
});

describe('withReliability: missing methods', () => {
  it('resolves aliases (old name → new) and fallbacks, with the component as `this`', async () => {
    const component = new Downloader();
    const wrapped = withReliability(component, {
      name: 'downloader',
      ...noPolicies,
      aliases: { fetchFile: 'download' },
      fallbacks: {
        verify(this: Downloader, path: string) {
          return `verified ${path} with ${this.version}`;
        },
      },
    });
    const loose = wrapped as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    await expect(loose.fetchFile?.('a.bin')).resolves.toBe('a.bin with 12-char token');
    await expect(loose.verify?.('b.bin')).resolves.toBe('verified b.bin with 1.4.2');
    expect('fetchFile' in wrapped).toBe(true);
    expect('verify' in wrapped).toBe(true);
    expect('nothing' in wrapped).toBe(false);
  });

  it('rejects with MissingMethodError listing the available methods otherwise', async () => {
    const wrapped = withReliability(new Downloader(), { name: 'downloader', ...noPolicies });
    const loose = wrapped as unknown as Record<string, () => Promise<unknown>>;
    const error = ((await observe(loose.resumeDownload?.() ?? Promise.resolve())) as { error: unknown })
      .error;
    expect(error).toBeInstanceOf(MissingMethodError);
    expect(error).toMatchObject({
      category: 'missing_method',
      method: 'resumeDownload',
      component: 'downloader',
      available: ['download', 'hang', 'ping'],
    });
    expect((error as Error).message).toContain('download, hang, ping');
    expect(classifyError(error).category).toBe('missing_method');
  });

  it('an alias to a method that does not exist either is still missing', async () => {
    const wrapped = withReliability(new Downloader(), { name: 'd', ...noPolicies, aliases: { old: 'gone' } });
    const loose = wrapped as unknown as Record<string, () => Promise<unknown>>;
    const outcome = await observe(loose.old?.() ?? Promise.resolve());
    expect((outcome as { error: unknown }).error).toBeInstanceOf(MissingMethodError);
  });
});

describe('withReliability: hooks', () => {
  it('health gets every outcome with duration and category', async () => {
    const outcomes: CallOutcome[] = [];
    const health: HealthHook = { record: (o) => outcomes.push(o) };
    const component = new Downloader();
    const wrapped = withReliability(component, {
      name: 'dl',
      retry: false,
      breaker: false,
      timeout: false,
      health,
    });
    await wrapped.download('a');
    component.failuresLeft = 1;
    await observe(wrapped.download('b'));
    expect(outcomes).toEqual([
      { component: 'dl', operation: 'download', success: true, durationMs: expect.any(Number) },
      {
        component: 'dl',
        operation: 'download',
        success: false,
        durationMs: expect.any(Number),
        category: 'network',
      },
    ]);
  });

  it("recovery 'retry' runs the call again and reports it as recovered", async () => {
    const outcomes: CallOutcome[] = [];
    const requests: RecoveryRequest[] = [];
    const recovery: RecoveryHook = {
      recover: async (_error, request) => {
        requests.push(request);
        return { action: 'retry', strategy: 'clear-cache' };
      },
    };
    const component = new Downloader(1);
    const wrapped = withReliability(component, {
      name: 'dl',
      retry: false,
      ...noPolicies,
      recovery,
      health: { record: (o) => outcomes.push(o) },
    });
    await expect(wrapped.download('a')).resolves.toContain('a with');
    expect(component.calls).toBe(2);
    expect(requests).toEqual([
      expect.objectContaining({ component: 'dl', operation: 'download', recoveryAttempts: 0 }),
    ]);
    expect(requests[0]?.classification.category).toBe('network');
    expect(outcomes).toEqual([expect.objectContaining({ success: true, recovered: true })]);
  });

  it('recovery may ask again up to maxRecoveryAttempts, then the failure is final', async () => {
    const recover = vi.fn(async (): Promise<RecoveryDecision> => ({ action: 'retry' }));
    const component = new Downloader(100);
    const wrapped = withReliability(component, {
      name: 'dl',
      retry: false,
      ...noPolicies,
      recovery: { recover },
      maxRecoveryAttempts: 2,
    });
    const outcome = await observe(wrapped.download('a'));
    expect(outcome.ok).toBe(false);
    expect(recover).toHaveBeenCalledTimes(2);
    expect(component.calls).toBe(3);
  });

  it("recovery 'continue' resolves undefined; 'fail' rethrows", async () => {
    const decisions: RecoveryDecision['action'][] = ['continue', 'fail'];
    const recovery: RecoveryHook = { recover: async () => ({ action: decisions.shift() ?? 'fail' }) };
    const wrapped = withReliability(new Downloader(100), {
      name: 'dl',
      retry: false,
      ...noPolicies,
      recovery,
    });
    await expect(wrapped.download('a')).resolves.toBeUndefined();
    const outcome = await observe(wrapped.download('b'));
    expect(classifyError((outcome as { error: unknown }).error).category).toBe('network');
  });

  it('capture gets final failures (not successes) and logger an error line', async () => {
    const captured: Array<{ error: unknown; request: unknown }> = [];
    const capture: CaptureHook = {
      capture: async (error, request) => {
        captured.push({ error, request });
        return undefined;
      },
    };
    const logger = { warn: vi.fn(), error: vi.fn() };
    const component = new Downloader();
    const wrapped = withReliability(component, {
      name: 'dl',
      retry: { retries: 1, delays: [1] },
      ...noPolicies,
      capture,
      logger,
      correlationId: 'run-42',
      phase: 'download',
    });
    await wrapped.download('fine');
    expect(captured).toHaveLength(0);
    component.failuresLeft = 5;
    const result = observe(wrapped.download('broken'));
    await vi.advanceTimersByTimeAsync(10);
    const outcome = await result;
    expect(captured).toHaveLength(1);
    expect(captured[0]?.error).toBe((outcome as { error: unknown }).error);
    expect(captured[0]?.request).toEqual({
      component: 'dl',
      operation: 'download',
      retryCount: 1,
      recoveryAttempts: 0,
      correlationId: 'run-42',
      phase: 'download',
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('dl.download failed'),
      expect.objectContaining({ component: 'dl', operation: 'download', category: 'network' }),
    );
  });

  it('a throwing capture or recovery hook does not replace the original error', async () => {
    const component = new Downloader(100);
    const wrapped = withReliability(component, {
      name: 'dl',
      retry: false,
      ...noPolicies,
      recovery: { recover: () => Promise.reject(new Error('recovery broke')) },
      capture: { capture: () => Promise.reject(new Error('capture broke')) },
    });
    const outcome = await observe(wrapped.download('a'));
    expect(classifyError((outcome as { error: unknown }).error).category).toBe('network');
  });
});

describe('withReliability: a capture hook that hangs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const hanging: CaptureHook = { capture: () => new Promise(() => {}) };

  it('gives the caller its own error after captureTimeout', async () => {
    vi.useFakeTimers();
    const failure = new Error('boom');
    const wrapped = withReliability(
      {
        async run(): Promise<void> {
          throw failure;
        },
      },
      { name: 'hang', retry: false, ...noPolicies, capture: hanging, captureTimeout: 1_000 },
    );
    let settled: Settled<void> | undefined;
    void observe(wrapped.run()).then((outcome) => {
      settled = outcome;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual({ ok: false, error: failure });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops waiting for the capture when the call is aborted', async () => {
    vi.useFakeTimers();
    const failure = new Error('boom');
    const controller = new AbortController();
    const wrapped = withReliability(
      {
        async run(): Promise<void> {
          throw failure;
        },
      },
      { name: 'hang', retry: false, ...noPolicies, capture: hanging, signal: controller.signal },
    );
    let settled: Settled<void> | undefined;
    void observe(wrapped.run()).then((outcome) => {
      settled = outcome;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(settled).toBeUndefined();
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual({ ok: false, error: failure });
  });

  it('rejects a captureTimeout that is not a positive duration', () => {
    for (const captureTimeout of [0, -1, Number.NaN, '5' as unknown as number]) {
      expect(() => withReliability({ async run() {} }, { name: 'x', captureTimeout })).toThrow(
        ConfigurationError,
      );
    }
  });
});

describe('withReliability: options', () => {
  it('requires a name and valid options', () => {
    expect(() => withReliability(new Downloader(), { name: '' })).toThrow(ConfigurationError);
    expect(() => withReliability(new Downloader(), {} as unknown as { name: string })).toThrow(
      /options\.name/,
    );
    expect(() => withReliability(new Downloader(), { name: 'd', maxRecoveryAttempts: -1 })).toThrow(
      ConfigurationError,
    );
    expect(() => withReliability(42 as unknown as object, { name: 'd' })).toThrow(ConfigurationError);
    expect(() =>
      withReliability(new Downloader(), { name: 'd', retry: { retries: -1 } }).download('x'),
    ).toThrow(/RetryPolicy\.retries/);
  });
});

type Outcome = 'ok' | 'fail' | 'hang' | 'not-found';

/** Plays scripted outcomes, one per attempt; `ok` once the script is used up. */
class Scripted {
  readonly script: Outcome[];
  attempts = 0;
  constructor(script: Outcome[]) {
    this.script = [...script];
  }
  call(): Promise<string> {
    this.attempts += 1;
    const next = this.script.shift() ?? 'ok';
    if (next === 'ok') return Promise.resolve(`ok ${this.attempts}`);
    if (next === 'hang') return new Promise<never>(() => {});
    if (next === 'fail') return Promise.reject(resetError());
    return Promise.reject(new HttpError(404, 'not found'));
  }
}

function describeOutcome(settled: Settled<string>): string {
  if (settled.ok) return settled.value;
  const error = settled.error as Error;
  return `${error.constructor.name}:${classifyError(error).category}`;
}

describe('withReliability: fused pipeline', () => {
  it('behaves exactly like compose(retry, breaker, timeout) for any sequence of outcomes', async () => {
    const retry: RetryPolicyOptions = { retries: 2, delays: [10, 20] };
    const breakerOptions = { consecutiveFailures: 3, volumeThreshold: 4, resetTimeout: 300 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            attempts: fc.array(fc.constantFrom<Outcome>('ok', 'fail', 'hang', 'not-found'), { maxLength: 4 }),
            pauseAfter: fc.constantFrom(0, 0, 400),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (calls) => {
          const fusedComponent = new Scripted(calls.flatMap((c) => c.attempts));
          const fusedBreaker = new CircuitBreaker({ name: 'fused', ...breakerOptions });
          const fused = withReliability(fusedComponent, {
            name: 'fused',
            retry,
            breaker: fusedBreaker,
            timeout: 50,
          });
          const composedComponent = new Scripted(calls.flatMap((c) => c.attempts));
          const composedBreaker = new CircuitBreaker({ name: 'composed', ...breakerOptions });
          const composed = compose(
            new RetryPolicy(retry),
            composedBreaker,
            new TimeoutManager().policyFor('call', 50),
          );
          try {
            for (const call of calls) {
              // Each call gets exactly its scripted attempts, whatever the previous call consumed.
              fusedComponent.script.splice(0, Number.POSITIVE_INFINITY, ...call.attempts);
              composedComponent.script.splice(0, Number.POSITIVE_INFINITY, ...call.attempts);
              let done = 0;
              const a = observe(fused.call()).finally(() => done++);
              const b = observe(composed.execute(() => composedComponent.call())).finally(() => done++);
              for (let i = 0; i < 100 && done < 2; i++) await vi.advanceTimersByTimeAsync(10);
              expect(done).toBe(2);
              expect(describeOutcome(await a)).toBe(describeOutcome(await b));
              expect(fusedComponent.attempts).toBe(composedComponent.attempts);
              expect(fusedBreaker.snapshot()).toEqual({ ...composedBreaker.snapshot(), name: 'fused' });
              await vi.advanceTimersByTimeAsync(call.pauseAfter);
            }
          } finally {
            fusedBreaker.dispose();
            composedBreaker.dispose();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
