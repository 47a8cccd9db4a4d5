import { ReliabilityError } from './ReliabilityError.js';

/** Options for {@link AuthenticationError}. */
export interface AuthenticationErrorOptions {
  /** The HTTP status that refused access (401, 403 or 407). */
  status?: number | undefined;
  /** The request URL, redacted (no userinfo, no secret query parameters). */
  url?: string | undefined;
  /** Whether a token was sent with the refused request. */
  tokenSent?: boolean | undefined;
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
  /** Steps for users; default: how to set and check a Hugging Face token. */
  remediation?: readonly string[] | undefined;
}

/**
 * The server refused access even after the Downloader asked `token(url)` once (or no token was
 * available, or the origin is not one the token may go to: see `tokenOrigins`). Never carries the
 * token itself.
 */
export class AuthenticationError extends ReliabilityError {
  /** The refusing HTTP status, when there was one. */
  readonly status: number | undefined;
  /** The redacted URL that refused access. */
  readonly url: string | undefined;
  /** Whether a token had been sent. */
  readonly tokenSent: boolean;
  /** Retrying with the same credentials cannot help. */
  readonly retryable = false;

  constructor(message: string, options: AuthenticationErrorOptions = {}) {
    const tokenSent = options.tokenSent ?? false;
    super(message, 'ERR_AUTHENTICATION', 'authentication', {
      cause: options.cause,
      remediation: options.remediation ?? [
        tokenSent
          ? 'The access token was refused: check that it is valid and has read access (tokens: https://huggingface.co/settings/tokens).'
          : 'The server needs an access token and none was available.',
        'Set the token: export HF_TOKEN=<token>, or run `huggingface-cli login` once.',
        'For gated models, open the model page and accept its licence while logged in with the same account.',
        'If you use a mirror that needs its own credentials, configure them for that mirror.',
      ],
    });
    this.status = options.status;
    this.url = options.url;
    this.tokenSent = tokenSent;
  }
}
