import { ReliabilityError } from './ReliabilityError.js';

/**
 * Another process (or another holder in this one) kept a file lock for longer than the caller was
 * willing to wait. Nothing was read or written under the lock. Retryable: the holder usually
 * finishes; a holder that died stops refreshing the lock and it is taken over once stale.
 */
export class LockHeldError extends ReliabilityError {
  /** The file the lock guards. */
  readonly target: string;
  /** How long the caller waited, in milliseconds. */
  readonly waitedMs: number;
  /** Worth trying again later: locks are held for the length of one operation. */
  readonly retryable = true;

  constructor(target: string, waitedMs: number, options: { cause?: unknown } = {}) {
    super(
      `${target} is locked by another process; waited ${waitedMs} ms for it`,
      'ERR_LOCK_HELD',
      'resource_exhaustion',
      {
        cause: options.cause,
        remediation: [
          'Another process is working on the same file; wait for it to finish and run again.',
          `A lock whose holder was killed is taken over automatically once it is stale (its ${target}.lock folder stops being refreshed).`,
        ],
      },
    );
    this.target = target;
    this.waitedMs = waitedMs;
  }
}
