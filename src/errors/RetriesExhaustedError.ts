import type { ErrorClassification } from './classify.js';
import { ReliabilityError } from './ReliabilityError.js';
import { describeThrown } from './thrown.js';

/** One failed attempt as recorded by RetryPolicy. */
export interface AttemptFailure {
  /** 1-based attempt number. */
  readonly attempt: number;
  /** What the attempt threw. */
  readonly error: unknown;
  /** How classifyError saw it. */
  readonly classification: ErrorClassification;
}

/**
 * Every attempt failed and the retry budget is spent. The category is that of the last
 * attempt's error, `cause` is the last error (exactly the value thrown, whatever it is) and
 * `attempts` holds all of them.
 */
export class RetriesExhaustedError extends ReliabilityError {
  /** Every failed attempt in order. */
  readonly attempts: readonly AttemptFailure[];

  constructor(operation: string, attempts: readonly AttemptFailure[]) {
    const last = attempts[attempts.length - 1];
    // Whatever was thrown (a string, null, an object whose getters throw) can be described.
    const lastMessage = last ? describeThrown(last.error) : 'no attempt recorded';
    super(
      `"${operation}" failed after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}: ${lastMessage}`,
      'ERR_RETRIES_EXHAUSTED',
      last?.classification.category ?? 'unknown',
      { cause: last?.error, ...(last ? { remediation: last.classification.remediation } : {}) },
    );
    this.attempts = attempts;
  }
}
