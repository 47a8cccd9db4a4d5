import { classifyHttpStatus } from './httpStatus.js';
import { ReliabilityError } from './ReliabilityError.js';

/** Options for {@link HttpError}. */
export interface HttpErrorOptions {
  /** Response headers (lower-case names); `retry-after` and `ratelimit` are honoured by RetryPolicy. */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** The request URL, already redacted by the caller. */
  url?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Steps for users; defaults to the status's generic steps. */
  remediation?: readonly string[];
}

/** A non-success HTTP status. `status` and `headers` are what classifyError and RetryPolicy read. */
export class HttpError extends ReliabilityError {
  /** The HTTP status code. */
  readonly status: number;
  /** Response headers with lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The (redacted) request URL, when known. */
  readonly url: string | undefined;

  constructor(status: number, message: string, options: HttpErrorOptions = {}) {
    const info = classifyHttpStatus(status);
    super(message, `ERR_HTTP_${status}`, info?.category ?? 'unknown', {
      ...options,
      remediation: options.remediation ?? info?.remediation ?? [],
    });
    this.status = status;
    this.headers = options.headers ?? {};
    this.url = options.url;
  }
}
