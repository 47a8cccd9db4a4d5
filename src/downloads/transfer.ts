import { AuthenticationError } from '../errors/AuthenticationError.js';
import { DiskFullError } from '../errors/DiskFullError.js';
import { HttpError } from '../errors/HttpError.js';
import { ResumeError } from '../errors/ResumeError.js';
import { StallError } from '../errors/StallError.js';
import { addSecret, redactHeaders } from '../shared/redaction/redact.js';
import { type Attempt, requestHeaders, startAttempt } from './attempt.js';
import { ensureFreeSpace } from './diskSpace.js';
import type { ResolvedRequest } from './options.js';
import type { CycleGate } from './originGate.js';
import type { PartialFile } from './partialFile.js';
import { validatorsFor } from './partialMeta.js';
import type { ProgressTracker } from './progress.js';
import { pumpBody } from './pump.js';
import { planResponse, type ResponsePlan, resumeHeaders, urlKey } from './rangeResume.js';
import { firstChunkEnd, runSegmented, segmentable, wantsSegments } from './segments/start.js';
import type { SessionDeps } from './sessionDeps.js';
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
  /** Mirrors (URL keys) that ignored bounded ranges: one connection there. */
  readonly rangeless: Set<string>;
  /** Connection ceilings per mirror (URL key) after it answered 429/503. */
  readonly ceilings: Map<string, number>;
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

type WritePlan = Extract<ResponsePlan, { action: 'write' | 'restart' }>;

/**
 * One request to `mirror` (again after a refreshed token or a refetch): resumes with Range where
 * the kept bytes allow it and pumps the body into the partial — over several connections when the
 * file is large and the mirror honours ranges (see segments/). `'complete'` when there was nothing
 * left to fetch, `'done'` when the body (or every chunk) arrived; the caller verifies either.
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
    // One stream from here (one connection asked for, or a mirror that ignores bounded ranges):
    // go on from the hashed prefix of a segmented partial.
    if (partial.segmented && !wantsSegments(ctx, key, req.size ?? state.total)) await partial.leaveSegments();
    const offset = partial.offset;
    const resume = resumeHeaders(offset, partial.meta, key, req.sha256 !== undefined);
    if (!resume.range && offset > 0) {
      await partial.truncate('validator-changed');
      continue;
    }
    // A large file's first request asks for the rest of its first chunk only: a 206 tells at once
    // that the mirror honours ranges, and the first stream ends where the next chunk begins.
    const probe = offset === 0 && wantsSegments(ctx, key, req.size);
    const firstChunk = firstChunkEnd(ctx, key, offset);
    const extra =
      firstChunk !== undefined && (probe || resume.range)
        ? { ...resume.headers, range: `bytes=${offset}-${firstChunk}` }
        : resume.headers;
    const headers = requestHeaders(ctx, mirror, mirror, extra);
    const attempt = await startAttempt(ctx, mirror, headers, gate, outer);
    try {
      const { response } = attempt;
      const status = response.statusCode;
      if (status === 401 || status === 403) {
        response.discard();
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
          // Compared with what this request sent, not the stored token: a download running beside
          // this one may have stored the same fresh token already.
          if (typeof fresh === 'string' && fresh !== '' && headers.authorization !== `Bearer ${fresh}`) {
            // From now on every text the package redacts hides it too.
            addSecret(fresh);
            deps.tokens.set(mirror.origin, fresh);
            continue;
          }
        }
        throw new AuthenticationError(`${state.currentUrl} refused access (HTTP ${status})`, {
          status,
          url: state.currentUrl,
          tokenSent: headers.authorization !== undefined,
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
        rangeSent: resume.range || probe,
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
      const outcome = await receive(ctx, mirror, key, attempt, plan, gate, outer);
      if (outcome === 'done') return 'done';
      if (outcome === 'restart') await partial.truncate('validator-changed');
      // 'again': ask once more (now with one connection).
    } catch (error) {
      attempt.failed(error);
      throw error;
    } finally {
      attempt.end();
    }
  }
}

/**
 * Takes the body of a 200/206 (after a restart, from byte 0): over several connections when the
 * file qualifies, else into the one-stream sink. `'again'`: ask once more (the segmented run found
 * the mirror ignores bounded ranges); `'restart'`: the file changed, start from zero.
 */
async function receive(
  ctx: TransferContext,
  mirror: URL,
  key: string,
  attempt: Attempt,
  plan: WritePlan,
  gate: CycleGate,
  outer: AbortSignal,
): Promise<'done' | 'again' | 'restart'> {
  const { deps, req, partial, state } = ctx;
  const { response } = attempt;
  if (plan.action === 'restart') {
    state.rangeless.add(key);
    if (++state.refetches > 3) {
      response.destroy();
      throw new ResumeError(`${state.currentUrl} ignored Range and cut the body ${state.refetches} times`, {
        url: state.currentUrl,
      });
    }
    await partial.truncate(plan.reason);
  } else if (plan.start > 0) partial.resumed = true;
  const total = plan.total ?? req.size;
  if (total !== undefined) state.total = total;
  // Checked while the body already flows: a closed connection drops unread bytes.
  const needed = total !== undefined ? total - partial.held : 0;
  const before = Promise.all([
    ensureFreeSpace(ctx.dir, needed, ctx.dest),
    partial.remember(validatorsFor(key, response.headers, state.total, req.sha256)),
  ]);
  before.catch((error: unknown) => attempt.abort(error));
  if (partial.held > 0 && !state.resumeAnnounced) {
    state.resumeAnnounced = true;
    deps.emit('download:resume', {
      dest: ctx.dest,
      url: state.currentUrl,
      offset: partial.offset,
      adopted: partial.prefixLength > 0,
    });
  }
  if (plan.action === 'write' && segmentable(ctx, key, response, state.total)) {
    const start = { mirror, key, attempt, start: plan.start, length: plan.length, gate, outer };
    const outcome = await runSegmented(ctx, start);
    await before;
    return outcome;
  }
  if (partial.segmented) {
    // This answer goes on alone: from the hashed prefix, which its body may not start at.
    await partial.leaveSegments();
    if (partial.offset !== (plan.action === 'write' ? plan.start : 0)) {
      response.destroy();
      await before;
      return 'again';
    }
  }
  const { watchdog } = attempt;
  await pumpBody(response, {
    sink: partial.sink,
    length: plan.length,
    total: state.total,
    bucket: deps.bucket,
    url: state.currentUrl,
    signal: attempt.signal,
    setHeld: (held) => watchdog.hold(held),
    touch: () => watchdog.touch(),
    onChunk: (bytes) => {
      watchdog.count(bytes);
      state.transferred += bytes;
      ctx.progress.update(state.currentUrl, partial.offset, state.total, state.transferred);
    },
  }).catch((error: unknown) => {
    const reason: unknown = attempt.signal.reason;
    throw reason instanceof StallError || reason instanceof DiskFullError ? reason : error;
  });
  await before;
  return 'done';
}
