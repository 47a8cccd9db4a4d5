import type { ErrorCategory } from './category.js';
import { ReliabilityError } from './ReliabilityError.js';
import { describeThrown } from './thrown.js';

/** One failed alternative, as carried by {@link AlternativesExhaustedError}. */
export interface FailedAlternative {
  /** The alternative's name. */
  readonly name: string;
  /** What it threw. */
  readonly error: unknown;
  /** How classifyError saw it. */
  readonly category: ErrorCategory;
}

/**
 * Every alternative way of doing something failed. `failures` holds each one's error in the order
 * tried; the category is the last failure's (the one a person is most likely to act on).
 */
export class AlternativesExhaustedError extends ReliabilityError {
  /** What was being attempted, e.g. `pip install`. */
  readonly operation: string;
  /** Every alternative's failure, in the order tried. */
  readonly failures: readonly FailedAlternative[];

  constructor(operation: string, failures: readonly FailedAlternative[], remediation?: readonly string[]) {
    const last = failures.at(-1);
    const names = failures.map((failure) => failure.name).join(', ');
    super(
      `${operation}: all ${failures.length} alternatives failed (${names})${last ? `; last: ${messageOf(last.error)}` : ''}`,
      'ERR_ALTERNATIVES_EXHAUSTED',
      last?.category ?? 'unknown',
      { cause: last?.error, ...(remediation ? { remediation } : {}) },
    );
    this.operation = operation;
    this.failures = Object.freeze([...failures]);
  }
}

function messageOf(error: unknown): string {
  return describeThrown(error);
}
