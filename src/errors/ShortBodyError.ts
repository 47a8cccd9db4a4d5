import { ReliabilityError } from './ReliabilityError.js';

/**
 * A response body ended cleanly (a final empty chunk, or the server closed a body without a
 * length) before the file was complete, and the request brought no new bytes. Retryable: the
 * request is repeated within the retry budget, then the next mirror is tried. A short body that
 * did bring new bytes is not an error: the download simply resumes from there.
 */
export class ShortBodyError extends ReliabilityError {
  /** Bytes of the file present when the body ended. */
  readonly received: number;
  /** Size of the whole file, when known. */
  readonly total: number | undefined;
  /** The redacted URL that answered. */
  readonly url: string | undefined;
  /** Usually a mirror or proxy having trouble; the retry resumes from the bytes kept. */
  readonly retryable = true;

  constructor(received: number, total: number | undefined, options: { url?: string | undefined } = {}) {
    super(
      `The body${options.url ? ` from ${options.url}` : ''} ended early without new bytes (at ${received}${
        total === undefined ? '' : ` of ${total}`
      } bytes)`,
      'ERR_SHORT_BODY',
      'network',
      {
        remediation: [
          'The server ended the response before the file was complete; the download is retried, then another mirror is tried.',
          'If every mirror does this, a proxy may be cutting large responses: try another network or set NO_PROXY.',
        ],
      },
    );
    this.received = received;
    this.total = total;
    this.url = options.url;
  }
}
