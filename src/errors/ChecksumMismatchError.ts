import { ReliabilityError } from './ReliabilityError.js';

/** Options for {@link ChecksumMismatchError}. */
export interface ChecksumMismatchErrorOptions {
  /** The redacted URL (mirror) that served the bytes. */
  url?: string | undefined;
  /** The file whose content was checked. */
  path?: string | undefined;
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
}

/**
 * Downloaded (or stored) bytes do not have the expected sha256. The bytes never reach the
 * destination; the mirror that served them is demoted for the rest of the run.
 */
export class ChecksumMismatchError extends ReliabilityError {
  /** The sha256 the manifest / caller expected (lower-case hex). */
  readonly expected: string;
  /** The sha256 actually computed. */
  readonly actual: string;
  /** The redacted URL that served the bytes, when known. */
  readonly url: string | undefined;
  /** The file checked, when known. */
  readonly path: string | undefined;

  constructor(expected: string, actual: string, options: ChecksumMismatchErrorOptions = {}) {
    super(
      `sha256 mismatch${options.path ? ` for ${options.path}` : ''}${options.url ? ` from ${options.url}` : ''}: expected ${expected}, got ${actual}`,
      'ERR_CHECKSUM_MISMATCH',
      'corruption',
      {
        cause: options.cause,
        remediation: [
          'The data was corrupted in transit or on the mirror; it was discarded and is downloaded again (from another mirror when one is configured).',
          'If this keeps happening, check the network path (proxy, antivirus) and the disk for errors.',
        ],
      },
    );
    this.expected = expected;
    this.actual = actual;
    this.url = options.url;
    this.path = options.path;
  }
}
