import { classifyHttpStatus } from '../../errors/httpStatus.js';
import type { HeaderSource } from '../../shared/headers.js';
import { serverDelayFromHeaders } from '../../shared/retryAfter.js';
import type { ResultJudge, ResultVerdict } from './resultRetry.js';

/** What {@link retryOnResponse} reads of a result: a fetch `Response` (or anything shaped like one). */
export interface ResponseLike {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers (`Retry-After`, `RateLimit`, `RateLimit-Reset` are read). */
  readonly headers: HeaderSource;
  /** The body stream; cancelled when the response is dropped for another attempt. */
  readonly body?: { cancel(reason?: unknown): Promise<void> } | null;
}

/** Options of {@link retryOnResponse}. */
export interface ResponseRetryOptions {
  /**
   * Statuses to retry. Default: every status classifyError calls retryable — 408, 429 and 5xx
   * except 501 and 505.
   */
  readonly statuses?: readonly number[];
}

function isResponseLike(value: unknown): value is ResponseLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { status?: unknown; headers?: unknown };
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.headers === 'object' &&
    candidate.headers !== null
  );
}

/**
 * A `retryOnResult` judge for fetch: retries a Response whose status is retryable (429, 503, …),
 * after the wait its `Retry-After` / `RateLimit` headers ask for (honouring the policy's
 * `honorRetryAfter` and `maxRetryAfter`). The body of a response that is replaced by another
 * attempt is cancelled, so its connection is released; the response that ends the retries is
 * returned untouched. Anything that is not a response is accepted.
 *
 * @example
 * ```ts
 * const retry = new RetryPolicy({ retries: 4, retryOnResult: retryOnResponse() });
 * const response = await retry.execute(({ signal }) => fetch(url, { signal }));
 * if (!response.ok) throw new Error(`still ${response.status} after 5 attempts`);
 * ```
 */
export function retryOnResponse(options: ResponseRetryOptions = {}): ResultJudge {
  const statuses = options.statuses === undefined ? undefined : new Set(options.statuses);
  return (result: unknown): ResultVerdict => {
    if (!isResponseLike(result)) return false;
    const info = classifyHttpStatus(result.status);
    const retry = statuses ? statuses.has(result.status) : info?.retryable === true;
    if (!retry) return false;
    return {
      retryAfterMs: serverDelayFromHeaders(result.headers),
      category: info?.category ?? 'network',
      status: result.status,
      description: `an HTTP ${result.status} response`,
      discard: () => {
        result.body?.cancel().catch(() => undefined);
      },
    };
  };
}
