import { ReliabilityError } from './ReliabilityError.js';

/**
 * A server (or something between us and it) sent bytes that are not valid HTTP/1.1: a malformed
 * status line or header, conflicting Content-Length values, a broken chunked body, a response head
 * larger than allowed. Retryable: the attempt is repeated (resuming from the bytes kept) and, if the
 * mirror keeps doing it, the next mirror is tried.
 */
export class ProtocolError extends ReliabilityError {
  /** The redacted URL that answered, when known. */
  readonly url: string | undefined;
  /** A garbled answer is usually transient (a proxy, a cut connection); retry. */
  readonly retryable = true;

  constructor(message: string, options: { url?: string | undefined } = {}) {
    super(message, 'ERR_HTTP_PROTOCOL', 'network', {
      remediation: [
        'The server sent an invalid HTTP response; the download is retried (from another mirror when configured).',
        'If it keeps happening, a proxy or security product may be rewriting traffic: try another network or set NO_PROXY.',
      ],
    });
    this.url = options.url;
  }
}
