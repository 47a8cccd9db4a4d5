import { AuthenticationError } from '../errors/AuthenticationError.js';
import { DiskFullError } from '../errors/DiskFullError.js';
import { HttpError } from '../errors/HttpError.js';
import { RequestLimitError } from '../errors/RequestLimitError.js';
import { ResumeError } from '../errors/ResumeError.js';
import { StallError } from '../errors/StallError.js';
import { addSecret, redactHeaders } from '../shared/redaction/redact.js';
import { ensureFreeSpace } from './diskSpace.js';
import type { Http1Response } from './http1/response.js';
import { get } from './httpClient.js';
import type { ResolvedRequest } from './options.js';
import type { CycleGate, RequestVerdict } from './originGate.js';
import type { PartialFile } from './partialFile.js';
import { validatorsFor } from './partialMeta.js';
import type { ProgressTracker } from './progress.js';
import { pumpBody } from './pump.js';
import { planResponse, resumeHeaders, urlKey } from './rangeResume.js';
import type { SessionDeps } from './sessionDeps.js';
import { StallWatchdog } from './stallWatchdog.js';
import { outOfScopeError, tokenAllowed } from './tokenScope.js';

/** Counters and facts of one download that transfers update and the session reports. */
export interface TransferState {
  /** Redacted URL of the mirror in use. */
  currentUrl: string;
  /** Size of the whole file once known. */
  total: number | undefined;
  /** Bytes received over the network in this run. */
  transferred: number;
  /** Requests made. */
  attempts: number;
  /** Restarts forced by bad or ignored range answers on the current mirror (more than 3 fail it). */
  refetches: number;
  /** Whether `download:resume` was emitted already. */
  resumeAnnounced: boolean;
  /** The error of the last failed request (the cause shown when a limit ends the download). */
  lastError: unknown;
}

/** Everything one request of a download works with. */
export interface TransferContext {
  readonly deps: SessionDeps;
  readonly req: ResolvedRequest;
  readonly dest: string;
  /** Work folder of the partial (free space is checked there). */
  readonly dir: string;
  readonly partial: PartialFile;
  readonly state: TransferState;
  readonly progress: ProgressTracker;
  /** Requests this download may make in this call (`maxRequestsPerFile`). */
  readonly requestLimit: number;
}

/**
 * One request to `mirror` (again after a refreshed token or a refetch): resumes with Range where
 * the kept bytes allow it and pumps the body into the partial. `'complete'` when there was nothing
 * left to fetch, `'done'` when a body ended; the caller verifies either.
 */
export async function transferOnce(
  ctx: TransferContext,
  mirror: URL,
  outer: AbortSignal,
  gate: CycleGate,
): Promise<'done' | 'complete'> {
  const { deps, req, partial, state } = ctx;
  const { options } = deps;
  // Nothing to ask when the expected size is already on disk: verify it.
  if (req.size !== undefined && partial.offset === req.size && req.sha256 !== undefined) return 'complete';
  const key = urlKey(mirror);
  const inScope = tokenAllowed(options.tokenOrigins, req.urls, mirror);
  let tokenAsked = false;
  for (;;) {
    const offset = partial.offset;
    const resume = resumeHeaders(offset, partial.meta, key, req.sha256 !== undefined);
    if (!resume.range && offset > 0) {
      await partial.truncate('validator-changed');
      continue;
    }
    const headers: Record<string, string> = {
      ...options.headers,
      'accept-encoding': 'identity',
      ...resume.headers,
    };
    // Only to an origin the token is for (tokenOrigins, else the request's first mirror).
    const token = inScope ? deps.tokens.get(mirror.origin) : undefined;
    if (token && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
      headers.authorization = `Bearer ${token}`;
    }
    if (state.attempts >= ctx.requestLimit) {
      throw new RequestLimitError(ctx.dest, ctx.requestLimit, { cause: state.lastError });
    }
    // Throws CoolingDown (no request made) while the origin's breaker rejects requests.
    const verdict: RequestVerdict = gate.acquire();
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
    outer.addEventListener('abort', onAbort, { once: true });
    state.attempts++;
    let response: Http1Response | undefined;
    try {
      try {
        ({ response } = await get(mirror, {
          headers,
          signal: controller.signal,
          pool: deps.pool,
          proxy: options.proxy,
          maxRedirects: options.maxRedirects,
          tls: deps.tls,
        }));
      } catch (error) {
        throw controller.signal.reason instanceof StallError ? controller.signal.reason : error;
      }
      watchdog.touch();
      const status = response.statusCode;
      // The origin is up; a failure of this one file (404, auth, a bad range) never counts against it.
      if (status < 500 && status !== 429 && status !== 408) verdict.answered();
      if (status === 401 || status === 403) {
        response.discard();
        const sentToken = headers.authorization !== undefined;
        if (options.token && !inScope)
          throw outOfScopeError(options.tokenOrigins, mirror, status, state.currentUrl);
        if (!tokenAsked && options.token) {
          tokenAsked = true;
          let fresh: string | undefined | null;
          try {
            fresh = await options.token(new URL(mirror.href));
          } catch {
            fresh = undefined;
          }
          if (typeof fresh === 'string' && fresh !== '' && fresh !== token) {
            // From now on every text the package redacts hides it too.
            addSecret(fresh);
            deps.tokens.set(mirror.origin, fresh);
            continue;
          }
        }
        throw new AuthenticationError(`${state.currentUrl} refused access (HTTP ${status})`, {
          status,
          url: state.currentUrl,
          tokenSent: sentToken,
        });
      }
      if (status >= 400 && status !== 416) {
        response.discard();
        throw new HttpError(status, `HTTP ${status} from ${state.currentUrl}`, {
          // Retry-After / RateLimit survive; what a server echoed (a token, a signed Location) does not.
          headers: redactHeaders(response.headers),
          url: state.currentUrl,
        });
      }
      const plan = planResponse({
        status,
        headers: response.headers,
        offset,
        rangeSent: resume.range,
        expectedSize: req.size,
        knownTotal: state.total,
        url: state.currentUrl,
      });
      if (plan.action === 'fail') {
        response.destroy();
        throw plan.error;
      }
      if (plan.action === 'refetch') {
        response.destroy();
        if (++state.refetches > 3) {
          throw new ResumeError(
            `${state.currentUrl} sent ${state.refetches} unusable answers to range requests`,
            {
              url: state.currentUrl,
            },
          );
        }
        await partial.truncate(plan.reason);
        continue;
      }
      if (plan.action === 'complete') {
        response.discard();
        state.total = plan.total;
        return 'complete';
      }
      if (plan.action === 'restart') {
        if (++state.refetches > 3) {
          response.destroy();
          throw new ResumeError(
            `${state.currentUrl} ignored Range and cut the body ${state.refetches} times`,
            {
              url: state.currentUrl,
            },
          );
        }
        await partial.truncate(plan.reason);
      } else if (plan.start > 0) partial.resumed = true;
      const total = plan.total ?? req.size;
      if (total !== undefined) state.total = total;
      // Checked while the body already flows: a closed connection drops unread bytes.
      const needed = total !== undefined ? total - partial.offset : 0;
      const before = Promise.all([
        ensureFreeSpace(ctx.dir, needed, ctx.dest),
        partial.remember(validatorsFor(key, response.headers, state.total, req.sha256)),
      ]);
      before.catch((error: unknown) => controller.abort(error));
      if (partial.offset > 0 && !state.resumeAnnounced) {
        state.resumeAnnounced = true;
        deps.emit('download:resume', {
          dest: ctx.dest,
          url: state.currentUrl,
          offset: partial.offset,
          adopted: partial.prefixLength > 0,
        });
      }
      await pumpBody(response, {
        sink: partial.sink,
        length: plan.length,
        total: state.total,
        bucket: deps.bucket,
        url: state.currentUrl,
        signal: controller.signal,
        setHeld: (held) => watchdog.hold(held),
        touch: () => watchdog.touch(),
        onChunk: (bytes) => {
          watchdog.count(bytes);
          state.transferred += bytes;
          ctx.progress.update(state.currentUrl, partial.offset, state.total, state.transferred);
        },
      }).catch((error: unknown) => {
        const reason: unknown = controller.signal.reason;
        throw reason instanceof StallError || reason instanceof DiskFullError ? reason : error;
      });
      await before;
      return 'done';
    } catch (error) {
      state.lastError = error;
      verdict.failed(error);
      throw error;
    } finally {
      watchdog.stop();
      outer.removeEventListener('abort', onAbort);
      // A response nobody read (an unexpected throw) must not hold its connection open.
      response?.destroy();
    }
  }
}
