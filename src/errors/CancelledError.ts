import { ReliabilityError, type ReliabilityErrorOptions } from './ReliabilityError.js';

/** An operation stopped because its AbortSignal was aborted. `cause` is the signal's reason. */
export class CancelledError extends ReliabilityError {
  constructor(message = 'The operation was cancelled', options: ReliabilityErrorOptions = {}) {
    super(message, 'ERR_CANCELLED', 'cancelled', options);
  }
}
