import {
  AlternativesExhaustedError,
  type FailedAlternative,
} from '../../errors/AlternativesExhaustedError.js';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { ErrorCategory } from '../../errors/category.js';
import { classifyError } from '../../errors/classify.js';
import { abortError } from '../../shared/abort.js';

/** One way of doing something, e.g. `pip install --no-cache-dir`. */
export interface Alternative<T> {
  /** Short name shown in reports, e.g. `no-cache-dir`. */
  readonly name: string;
  /** What it does differently, for people. */
  readonly description?: string;
  /** Return false to skip it (e.g. an offline wheelhouse that does not exist). Default: always tried. */
  applies?(): boolean | Promise<boolean>;
  /** Does the work; a rejection moves on to the next alternative. */
  run(context: { readonly signal: AbortSignal | undefined; readonly index: number }): Promise<T> | T;
}

/** Report of one alternative that was looked at. */
export interface AlternativeAttempt {
  /** The alternative's name. */
  readonly name: string;
  /** `skipped` when `applies()` said no. */
  readonly outcome: 'success' | 'failed' | 'skipped';
  /** Time it took, in ms. */
  readonly durationMs: number;
  /** For `failed`: the error message and category. */
  readonly message?: string;
  /** For `failed`: the error's category (classifyError). */
  readonly category?: ErrorCategory;
}

/** Options of {@link tryAlternatives}. */
export interface TryAlternativesOptions {
  /** Names the operation in errors, e.g. `pip install`. Default `operation`. */
  operation?: string;
  /** Stops trying; the current alternative gets the signal too. */
  signal?: AbortSignal;
  /** Called after each alternative, in order (for progress output). */
  onAttempt?: (attempt: AlternativeAttempt) => void;
  /**
   * Whether a failure should move on to the next alternative; false rethrows it at once (e.g. a
   * `disk_full` error that no other method can avoid). Default: every failure except `cancelled`.
   */
  continueOn?: (error: unknown, category: ErrorCategory) => boolean;
  /** Remediation for the error thrown when all fail. */
  remediation?: readonly string[];
}

/** What {@link tryAlternatives} resolves with. */
export interface AlternativesResult<T> {
  /** What the winning alternative returned. */
  readonly value: T;
  /** The alternative that worked. */
  readonly winner: string;
  /** Every alternative looked at, in order, the winner last. */
  readonly attempts: readonly AlternativeAttempt[];
}

/**
 * Tries alternative ways of doing one thing in order until one works, reporting each attempt.
 * When all fail, throws {@link AlternativesExhaustedError} carrying every failure; an abort
 * rejects with a `cancelled` error and tries nothing more.
 */
export async function tryAlternatives<T>(
  alternatives: readonly Alternative<T>[],
  options: TryAlternativesOptions = {},
): Promise<AlternativesResult<T>> {
  if (!Array.isArray(alternatives) || alternatives.length === 0) {
    throw new ConfigurationError('tryAlternatives alternatives', 'a non-empty array', alternatives);
  }
  alternatives.forEach((alternative, index) => {
    if (typeof alternative?.run !== 'function' || typeof alternative.name !== 'string') {
      throw new ConfigurationError(`alternatives[${index}]`, 'an object with name and run()', alternative);
    }
  });
  const operation = options.operation ?? 'operation';
  const continueOn = options.continueOn ?? ((_error, category) => category !== 'cancelled');
  const attempts: AlternativeAttempt[] = [];
  const failures: FailedAlternative[] = [];
  const report = (attempt: AlternativeAttempt) => {
    attempts.push(attempt);
    options.onAttempt?.(attempt);
  };
  for (const [index, alternative] of alternatives.entries()) {
    if (options.signal?.aborted) throw abortError(options.signal, operation);
    const started = performance.now();
    if (alternative.applies && !(await alternative.applies())) {
      report({ name: alternative.name, outcome: 'skipped', durationMs: performance.now() - started });
      continue;
    }
    try {
      const value = await alternative.run({ signal: options.signal, index });
      report({ name: alternative.name, outcome: 'success', durationMs: performance.now() - started });
      return { value, winner: alternative.name, attempts };
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal, operation);
      const { category } = classifyError(error);
      const message = error instanceof Error ? error.message : String(error);
      report({
        name: alternative.name,
        outcome: 'failed',
        durationMs: performance.now() - started,
        message,
        category,
      });
      failures.push({ name: alternative.name, error, category });
      if (!continueOn(error, category)) throw error;
    }
  }
  throw new AlternativesExhaustedError(operation, failures, options.remediation);
}
