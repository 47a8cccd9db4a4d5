import { RequestLimitError } from '../errors/RequestLimitError.js';
import { StallError } from '../errors/StallError.js';
import type { Http1Response } from './http1/response.js';
import { get } from './httpClient.js';
import type { CycleGate, RequestVerdict } from './originGate.js';
import { dropCredentials, sameOrigin } from './redirects.js';
import { StallWatchdog } from './stallWatchdog.js';
import { tokenAllowed } from './tokenScope.js';
import type { TransferContext } from './transfer.js';

/** One request of a download in flight: its response head arrived, its body waits. */
export interface Attempt {
  readonly response: Http1Response;
  /** The URL that answered (after redirects). */
  readonly url: URL;
  /** Whether credential headers were dropped because a redirect left the mirror's origin. */
  readonly credentialsDropped: boolean;
  /** Reports the outcome to the origin's breaker. */
  readonly verdict: RequestVerdict;
  readonly watchdog: StallWatchdog;
  /** Aborted by a stall, the caller's signal or {@link abort}; the body pump listens to it. */
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** The request failed: remembered as the download's last error and told to the breaker. */
  failed(error: unknown): void;
  /** Stops the watchdog and the listener on the outer signal; closes a body nobody read. */
  end(): void;
}

/**
 * Headers of a request for `target` on behalf of `mirror`: the configured ones, no compression,
 * `extra` (Range, If-Range), and the mirror's token when the token is for the mirror's origin
 * (`tokenOrigins`) — never credentials for another origin (a chunk request straight to where the
 * mirror redirected).
 */
export function requestHeaders(
  ctx: TransferContext,
  mirror: URL,
  target: URL,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...ctx.deps.options.headers,
    'accept-encoding': 'identity',
    ...extra,
  };
  if (!sameOrigin(target, mirror)) {
    dropCredentials(headers);
    return headers;
  }
  // Only to an origin the token is for (tokenOrigins, else the request's first mirror).
  if (!tokenAllowed(ctx.deps.options.tokenOrigins, ctx.req.urls, mirror)) return headers;
  const token = ctx.deps.tokens.get(mirror.origin);
  if (token && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    headers.authorization = `Bearer ${token}`;
  }
  return headers;
}

/**
 * Sends one GET for the download (within its request budget, with a permit of the mirror's origin
 * breaker and a stall watchdog) and resolves once the response head arrived. Throws CoolingDown
 * without a request while the breaker rejects requests, RequestLimitError past the budget.
 */
export async function startAttempt(
  ctx: TransferContext,
  target: URL,
  headers: Readonly<Record<string, string>>,
  gate: CycleGate,
  outer: AbortSignal,
): Promise<Attempt> {
  const { deps, state } = ctx;
  const { options } = deps;
  if (state.attempts >= ctx.requestLimit) {
    throw new RequestLimitError(ctx.dest, ctx.requestLimit, { cause: state.lastError });
  }
  const verdict = gate.acquire();
  const controller = new AbortController();
  const watchdog = new StallWatchdog(
    options.stallTimeout,
    (slow) =>
      controller.abort(
        new StallError(options.stallTimeout, { url: state.currentUrl, ...(slow ? { slow } : {}) }),
      ),
    options.minRate,
  );
  const onAbort = () => controller.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  let response: Http1Response | undefined;
  const end = () => {
    watchdog.stop();
    outer.removeEventListener('abort', onAbort);
    // A response nobody read (an unexpected throw) must not hold its connection open.
    response?.destroy();
  };
  const failed = (error: unknown) => {
    state.lastError = error;
    verdict.failed(error);
  };
  state.attempts++;
  let result: Awaited<ReturnType<typeof get>>;
  try {
    result = await get(target, {
      headers,
      signal: controller.signal,
      pool: deps.pool,
      proxy: options.proxy,
      maxRedirects: options.maxRedirects,
      tls: deps.tls,
    });
  } catch (raw) {
    const error = controller.signal.reason instanceof StallError ? controller.signal.reason : raw;
    failed(error);
    end();
    throw error;
  }
  response = result.response;
  watchdog.touch();
  const status = response.statusCode;
  // The origin is up; a failure of this one file (404, auth, a bad range) never counts against it.
  if (status < 500 && status !== 429 && status !== 408) verdict.answered();
  return {
    response,
    url: result.url,
    credentialsDropped: result.credentialsDropped,
    verdict,
    watchdog,
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    failed,
    end,
  };
}
