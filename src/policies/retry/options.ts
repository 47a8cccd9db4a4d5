import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { ErrorClassification, ErrorClassifier } from '../../errors/classify.js';
import type { RetryInfo } from '../../events/retryEvents.js';
import {
  optionalBoolean,
  optionalCount,
  optionalDuration,
  optionalFunction,
  optionalNumber,
  optionalObject,
  optionalOneOf,
} from '../../shared/validate.js';
import type { JitterMode } from './backoff.js';
import { RETRY_DEFAULTS } from './defaults.js';
import type { ResultJudge } from './resultRetry.js';

/** What `decide` may answer: keep retrying, stop now (rethrow), or change the retry budget. */
export type RetryDecision =
  | 'retry'
  | 'skip'
  | {
      /** The new retry budget, counted from the first attempt (like the `retries` option). */
      readonly retries: number;
    };

/** Options of a RetryPolicy; every field is optional and has a documented default. */
export interface RetryPolicyOptions {
  /** Retries after the first attempt. Default 3 (4 attempts). `Infinity` retries until success or abort. */
  retries?: number;
  /** Explicit delays before each retry, in ms. Default `[2000, 4000, 8000]`; beyond it the last doubles. */
  delays?: readonly number[];
  /** Upper bound for every delay, in ms. Default 60 000. */
  maxDelay?: number;
  /** Jitter: `'none'` (default), `'full'`, `'decorrelated'` or `'bounded'` (±`jitterRatio` around the schedule). */
  jitter?: JitterMode;
  /** Spread of the `'bounded'` mode, in [0, 1]: each delay is uniform in scheduled × [1 − r, 1 + r]. Default 0.2. */
  jitterRatio?: number;
  /** Whether an error should be retried. Default: `classification.retryable`. */
  retryOn?: (error: unknown, classification: ErrorClassification) => boolean;
  /**
   * Whether a *result* is a failure to retry (e.g. a fetch Response with 503; see
   * `retryOnResponse()`). Default: every result is accepted. A rejected result goes through the same
   * schedule, Retry-After, `decide` and events as an error (as a RetryableResultError); when retries
   * end on a rejected result, `execute()` resolves with that result.
   */
  retryOnResult?: ResultJudge;
  /** Let Retry-After / RateLimit headers set the delay. Default true. */
  honorRetryAfter?: boolean;
  /** Longest server-directed wait to honour, in ms (default 120 000); longer fails with RetryAfterTooLongError. */
  maxRetryAfter?: number;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  /** User-prompt hook after a retryable failure: `'retry'`, `'skip'` or `{ retries: n }`. */
  decide?: (info: RetryInfo) => RetryDecision | PromiseLike<RetryDecision>;
  /** Extra classifiers, tried before the global and built-in ones. */
  classifiers?: readonly ErrorClassifier[];
  /** Uniform random source in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
}

/** Options after validation, with defaults applied. */
export interface ResolvedRetryOptions {
  /** Retries after the first attempt. */
  readonly retries: number;
  /** Explicit delay schedule in ms. */
  readonly delays: readonly number[];
  /** Cap for every delay in ms. */
  readonly maxDelay: number;
  /** Jitter mode. */
  readonly jitter: JitterMode;
  /** Spread of the `bounded` jitter mode. */
  readonly jitterRatio: number;
  /** Which errors to retry (undefined: classification.retryable). */
  readonly retryOn: ((error: unknown, classification: ErrorClassification) => boolean) | undefined;
  /** Which results to retry (undefined: none). */
  readonly retryOnResult: ResultJudge | undefined;
  /** Whether server-directed delays replace the schedule. */
  readonly honorRetryAfter: boolean;
  /** Longest server-directed wait honoured, in ms. */
  readonly maxRetryAfter: number;
  /** Called before each wait. */
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  /** User decision hook after a retryable failure. */
  readonly decide: ((info: RetryInfo) => RetryDecision | PromiseLike<RetryDecision>) | undefined;
  /** Extra classifiers. */
  readonly classifiers: readonly ErrorClassifier[];
  /** Uniform random source for jitter. */
  readonly random: () => number;
}

function validDelays(value: unknown): readonly number[] | undefined {
  if (value === undefined) return undefined;
  if (
    Array.isArray(value) &&
    value.every((delay) => typeof delay === 'number' && Number.isFinite(delay) && delay >= 0)
  ) {
    return Object.freeze([...value]);
  }
  throw new ConfigurationError('RetryPolicy.delays', 'an array of finite numbers ≥ 0 (ms)', value);
}

function validRatio(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  throw new ConfigurationError('RetryPolicy.jitterRatio', 'a number from 0 to 1', value);
}

/** Validates user options strictly and applies the defaults. */
export function resolveRetryOptions(options: RetryPolicyOptions = {}): ResolvedRetryOptions {
  optionalObject('RetryPolicy options', options);
  const classifiers = options.classifiers ?? [];
  if (!Array.isArray(classifiers) || classifiers.some((c) => typeof c !== 'function')) {
    throw new ConfigurationError('RetryPolicy.classifiers', 'an array of functions', classifiers);
  }
  return {
    retries: optionalCount('RetryPolicy.retries', options.retries, true) ?? RETRY_DEFAULTS.retries,
    delays: validDelays(options.delays) ?? RETRY_DEFAULTS.delays,
    maxDelay: optionalNumber('RetryPolicy.maxDelay', options.maxDelay) ?? RETRY_DEFAULTS.maxDelay,
    jitter:
      optionalOneOf('RetryPolicy.jitter', options.jitter, ['none', 'full', 'decorrelated', 'bounded']) ??
      RETRY_DEFAULTS.jitter,
    jitterRatio: validRatio(options.jitterRatio) ?? RETRY_DEFAULTS.jitterRatio,
    retryOn: optionalFunction('RetryPolicy.retryOn', options.retryOn),
    retryOnResult: optionalFunction('RetryPolicy.retryOnResult', options.retryOnResult),
    honorRetryAfter:
      optionalBoolean('RetryPolicy.honorRetryAfter', options.honorRetryAfter) ??
      RETRY_DEFAULTS.honorRetryAfter,
    maxRetryAfter:
      optionalDuration('RetryPolicy.maxRetryAfter', options.maxRetryAfter) ?? RETRY_DEFAULTS.maxRetryAfter,
    onRetry: optionalFunction('RetryPolicy.onRetry', options.onRetry),
    decide: optionalFunction('RetryPolicy.decide', options.decide),
    classifiers,
    random: optionalFunction<() => number>('RetryPolicy.random', options.random) ?? Math.random,
  };
}
