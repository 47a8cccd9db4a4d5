import { ReliabilityError } from './ReliabilityError.js';

/**
 * A redirect was refused: more than the allowed number of hops, a downgrade from https to http,
 * a missing or invalid Location, or an unsupported scheme. Not retryable on the same mirror.
 */
export class RedirectError extends ReliabilityError {
  /** The redacted URL whose redirect was refused. */
  readonly url: string | undefined;
  /** Retrying the same mirror would be redirected the same way. */
  readonly retryable = false;

  constructor(message: string, options: { url?: string | undefined } = {}) {
    super(message, 'ERR_REDIRECT', 'network', {
      remediation: [
        'The server redirected somewhere the downloader will not follow (too many hops, or from https to plain http).',
        'Check the mirror URL; another mirror is tried when one is configured.',
      ],
    });
    this.url = options.url;
  }
}
