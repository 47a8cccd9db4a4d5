import { describe, expectTypeOf, it } from 'vitest';
import type { DownloaderOptions, TokenOrigins, TokenProvider } from '../../src/downloads/index.js';
import type {
  BulkheadOptions,
  CallOutcome,
  ChaosOptions,
  CircuitBreakerOptions,
  CircuitEvents,
  CircuitState,
  ErrorCategory,
  ErrorClassification,
  ExecutionContext,
  FallbackOptions,
  FallbackPolicy,
  Policy,
  Reliable,
  RetryDecision,
  RetryEvents,
  RetryInfo,
  RetryPolicyOptions,
  SavedCircuitState,
  TimeoutContext,
  TimeoutEvents,
  TimeoutManagerOptions,
  WithReliabilityOptions,
} from '../../src/index.js';
import {
  CircuitBreaker,
  classifyError,
  compose,
  fallback,
  type RetriesExhaustedError,
  RetryPolicy,
  TimeoutManager,
  withReliability,
} from '../../src/index.js';

/** true when T is `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * true when `any` hides anywhere in T: the type itself, an object's properties, a function's
 * parameters or result, an array's elements (checked to a small depth; public types are shallow).
 */
type HasAny<T, Depth extends unknown[] = []> =
  IsAny<T> extends true
    ? true
    : Depth['length'] extends 5
      ? false
      : // Platform types are what they are (AbortSignal#onabort returns any); look only at what we add.
        T extends AbortSignal | Error
        ? false
        : T extends PromiseLike<infer U>
          ? HasAny<U, [...Depth, 1]>
          : T extends (...args: infer A) => infer R
            ? true extends HasAny<A[number], [...Depth, 1]> | HasAny<R, [...Depth, 1]>
              ? true
              : false
            : T extends readonly (infer E)[]
              ? HasAny<E, [...Depth, 1]>
              : T extends object
                ? true extends { [K in keyof T]-?: HasAny<T[K], [...Depth, 1]> }[keyof T]
                  ? true
                  : false
                : false;

class Downloader {
  readonly version: string = '1';
  retries = 3;
  async download(url: string, dest: string): Promise<{ bytes: number }> {
    return { bytes: url.length + dest.length };
  }
  ping(): string {
    return 'pong';
  }
  nested(): PromiseLike<number> {
    return Promise.resolve(1);
  }
}

describe('public types', () => {
  it('Reliable<T> maps every method to a Promise-returning one and keeps other properties', () => {
    type Wrapped = Reliable<Downloader>;
    expectTypeOf<Wrapped['download']>().toEqualTypeOf<
      (url: string, dest: string) => Promise<{ bytes: number }>
    >();
    expectTypeOf<Wrapped['ping']>().toEqualTypeOf<() => Promise<string>>();
    expectTypeOf<Wrapped['nested']>().toEqualTypeOf<() => Promise<number>>();
    expectTypeOf<Wrapped['version']>().toEqualTypeOf<string>();
    expectTypeOf<Wrapped['retries']>().toEqualTypeOf<number>();
    const wrapped = withReliability(new Downloader(), { name: 'd', breaker: false });
    expectTypeOf(wrapped).toEqualTypeOf<Reliable<Downloader>>();
    expectTypeOf(wrapped.download).parameters.toEqualTypeOf<[string, string]>();
  });

  it('per-method options only accept method settings', () => {
    expectTypeOf<{ name: 'd'; methods: { ping: false; download: { timeout: 'model_download' } } }>().toExtend<
      WithReliabilityOptions<Downloader>
    >();
    expectTypeOf<{ name: 'd'; methods: { ping: 5 } }>().not.toExtend<WithReliabilityOptions<Downloader>>();
    expectTypeOf<{ retry: { retries: 'three' } }>().not.toExtend<
      Partial<WithReliabilityOptions<Downloader>>
    >();
  });

  it('RetryDecision is retry, skip or a new budget', () => {
    expectTypeOf<RetryDecision>().toEqualTypeOf<'retry' | 'skip' | { readonly retries: number }>();
    expectTypeOf<NonNullable<RetryPolicyOptions['decide']>>().parameters.toEqualTypeOf<[RetryInfo]>();
    expectTypeOf<NonNullable<RetryPolicyOptions['decide']>>().returns.toEqualTypeOf<
      RetryDecision | PromiseLike<RetryDecision>
    >();
    expectTypeOf<RetryInfo['classification']>().toEqualTypeOf<ErrorClassification>();
  });

  it('policies keep the result type of the function they run', () => {
    expectTypeOf(new RetryPolicy().execute(() => 5)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(new RetryPolicy().execute(async () => 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(new CircuitBreaker().execute((ctx) => ctx.attempt)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(new TimeoutManager().policy('validation').execute(() => true)).toEqualTypeOf<
      Promise<boolean>
    >();
    expectTypeOf(compose()).toEqualTypeOf<Policy>();
    const withDefault = fallback(() => null);
    expectTypeOf(withDefault).toEqualTypeOf<FallbackPolicy<null>>();
    expectTypeOf(withDefault.execute(() => 1)).toEqualTypeOf<Promise<number | null>>();
    expectTypeOf<Parameters<Policy['execute']>[0]>().parameter(0).toEqualTypeOf<ExecutionContext>();
  });

  it('errors and classifications are typed', () => {
    expectTypeOf(classifyError(new Error('x')).category).toEqualTypeOf<ErrorCategory>();
    expectTypeOf(classifyError(new Error('x')).remediation).toEqualTypeOf<readonly string[]>();
    expectTypeOf<
      RetriesExhaustedError['attempts'][number]['classification']
    >().toEqualTypeOf<ErrorClassification>();
    expectTypeOf<'network'>().toExtend<ErrorCategory>();
    expectTypeOf<'flaky'>().not.toExtend<ErrorCategory>();
  });

  it('saved breaker state round-trips through the state option', () => {
    expectTypeOf<ReturnType<CircuitBreaker['toJSON']>>().toEqualTypeOf<SavedCircuitState>();
    expectTypeOf<SavedCircuitState>().toExtend<NonNullable<CircuitBreakerOptions['state']>>();
    expectTypeOf<CircuitBreaker['state']>().toEqualTypeOf<CircuitState>();
    expectTypeOf<CircuitState>().toEqualTypeOf<'closed' | 'open' | 'half-open'>();
  });

  it('no `any` leaks in public option, event and hook types', () => {
    expectTypeOf<HasAny<RetryPolicyOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<CircuitBreakerOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<TimeoutManagerOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<TimeoutContext>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<BulkheadOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<ChaosOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<FallbackOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<WithReliabilityOptions<Downloader>>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<RetryEvents>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<CircuitEvents>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<TimeoutEvents>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<CallOutcome>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<ErrorClassification>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Reliable<Downloader>>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<RetryPolicy>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<CircuitBreaker>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<TimeoutManager>>().toEqualTypeOf<false>();
    // The checker itself must notice an any.
    expectTypeOf<HasAny<{ a: { b: (x: number) => unknown[] } }>>().toEqualTypeOf<false>();
    // biome-ignore lint/suspicious/noExplicitAny: proving the checker detects any
    expectTypeOf<HasAny<{ a: { b: (x: any) => void } }>>().toEqualTypeOf<true>();
  });

  it('TokenProvider takes the target URL; zero-argument providers still fit; tokenOrigins takes origins or URLs', () => {
    expectTypeOf<() => string | undefined>().toExtend<TokenProvider>();
    expectTypeOf<(url: URL) => Promise<string | null>>().toExtend<TokenProvider>();
    expectTypeOf<(url: string) => string>().not.toExtend<TokenProvider>();
    expectTypeOf<Parameters<TokenProvider>>().toEqualTypeOf<[url: URL]>();
    expectTypeOf<['https://huggingface.co', URL]>().toExtend<
      NonNullable<DownloaderOptions['tokenOrigins']>
    >();
    expectTypeOf<TokenOrigins>().toEqualTypeOf<readonly (string | URL)[]>();
  });
});
