import { ReliabilityError } from './ReliabilityError.js';

/**
 * No bytes arrived for `stallTimeout` ms, so the attempt was ended. Retryable: the next attempt
 * resumes from the bytes already kept (or another mirror is tried).
 */
export class StallError extends ReliabilityError {
  /** The stall budget that was exceeded, in ms. */
  readonly stallTimeoutMs: number;
  /** The redacted URL that stalled. */
  readonly url: string | undefined;
  /** A stall is usually transient; the retry resumes from the kept bytes. */
  readonly retryable = true;

  constructor(stallTimeoutMs: number, options: { url?: string | undefined } = {}) {
    super(
      `No data received for ${stallTimeoutMs} ms${options.url ? ` from ${options.url}` : ''}; the transfer stalled`,
      'ERR_STALLED',
      'timeout',
      {
        remediation: [
          'The connection stopped delivering data; the download resumes automatically (from another mirror when configured).',
          'On a very slow or flaky connection raise stallTimeout.',
        ],
      },
    );
    this.stallTimeoutMs = stallTimeoutMs;
    this.url = options.url;
  }
}
