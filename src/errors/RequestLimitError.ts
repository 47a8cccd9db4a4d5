import { classifyError } from './classify.js';
import { ReliabilityError } from './ReliabilityError.js';

/**
 * A download made as many requests as it may in one call (`maxRequestsPerFile`) without finishing:
 * its mirrors keep answering in ways that make no lasting progress (bodies cut after a few bytes,
 * restarts from zero). `cause` is the last request's error. Not retried; the partial is kept.
 */
export class RequestLimitError extends ReliabilityError {
  /** The limit that was reached. */
  readonly limit: number;
  /** Final for this call: more requests would repeat the same pattern. */
  readonly retryable = false;

  constructor(dest: string, limit: number, options: { cause?: unknown } = {}) {
    const category = options.cause === undefined ? 'network' : classifyError(options.cause).category;
    super(
      `Gave up on ${dest} after ${limit} requests without finishing it${
        options.cause instanceof Error ? `; the last one failed: ${options.cause.message}` : ''
      }`,
      'ERR_REQUEST_LIMIT',
      category === 'cancelled' ? 'network' : category,
      {
        cause: options.cause,
        remediation: [
          'Every mirror keeps cutting or restarting the transfer; the partial is kept and the next run resumes it.',
          'Add a mirror, or check for a proxy that cuts long downloads; raise maxRequestsPerFile for very flaky links.',
        ],
      },
    );
    this.limit = limit;
  }
}
