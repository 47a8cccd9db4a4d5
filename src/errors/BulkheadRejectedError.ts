import { ReliabilityError } from './ReliabilityError.js';

/** A bulkhead's concurrency slots and queue are all taken, so the call was rejected. */
export class BulkheadRejectedError extends ReliabilityError {
  /** Concurrency limit of the bulkhead. */
  readonly maxConcurrent: number;
  /** Queue limit of the bulkhead. */
  readonly maxQueue: number;

  constructor(name: string, maxConcurrent: number, maxQueue: number) {
    super(
      `Bulkhead "${name}" is full (${maxConcurrent} running, ${maxQueue} queued)`,
      'ERR_BULKHEAD_FULL',
      'resource_exhaustion',
      {
        remediation: [
          'Too many operations at once: wait for running ones to finish, or raise maxConcurrent / maxQueue.',
        ],
      },
    );
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }
}
