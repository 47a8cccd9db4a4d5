import { ReliabilityError } from './ReliabilityError.js';

/**
 * A mirror keeps answering range requests in ways that cannot be resumed (ignores Range and cuts
 * the body, or sends inconsistent Content-Range) so often that continuing would never finish.
 * Not retried on that mirror: the next mirror is tried.
 */
export class ResumeError extends ReliabilityError {
  /** The redacted URL of the mirror. */
  readonly url: string | undefined;
  /** Not retried on this mirror: it keeps breaking resumes. */
  readonly retryable = false;

  constructor(message: string, options: { url?: string | undefined } = {}) {
    super(message, 'ERR_RESUME', 'network', {
      remediation: [
        'The mirror does not support resuming downloads reliably; another mirror is tried.',
        'If it is the only mirror, run the download again on a more stable connection or add a mirror.',
      ],
    });
    this.url = options.url;
  }
}
