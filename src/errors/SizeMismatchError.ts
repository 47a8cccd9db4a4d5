import { ReliabilityError } from './ReliabilityError.js';

/**
 * A server announced or delivered a different number of bytes than expected (a different file, a
 * truncated object on the mirror, or an inconsistent Content-Range). Category `corruption`.
 */
export class SizeMismatchError extends ReliabilityError {
  /** The expected size in bytes. */
  readonly expected: number;
  /** The size announced or received. */
  readonly actual: number;
  /** The redacted URL, when known. */
  readonly url: string | undefined;

  constructor(expected: number, actual: number, options: { url?: string | undefined; cause?: unknown } = {}) {
    super(
      `Size mismatch${options.url ? ` from ${options.url}` : ''}: expected ${expected} bytes, got ${actual}`,
      'ERR_SIZE_MISMATCH',
      'corruption',
      {
        cause: options.cause,
        remediation: [
          'The mirror serves a file of another size (another revision or a truncated copy); another mirror is tried.',
          'Check the manifest revision and the mirror URL.',
        ],
      },
    );
    this.expected = expected;
    this.actual = actual;
    this.url = options.url;
  }
}
