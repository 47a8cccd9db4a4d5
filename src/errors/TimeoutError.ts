import { ReliabilityError } from './ReliabilityError.js';

/** An operation ran longer than its time budget; its `ctx.signal` was aborted with this error. */
export class TimeoutError extends ReliabilityError {
  /** The operation name the budget belongs to. */
  readonly operation: string;
  /** The budget that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number, options: { cause?: unknown } = {}) {
    super(`Operation "${operation}" timed out after ${timeoutMs} ms`, 'ERR_TIMEOUT', 'timeout', {
      ...options,
      remediation: [
        `"${operation}" took longer than ${timeoutMs} ms; on a slow connection raise its timeout (TimeoutManager defaults).`,
        'Run the operation again: completed work is kept.',
      ],
    });
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}
