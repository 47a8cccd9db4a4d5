import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import type { RestartReason } from '../events/downloadEvents.js';
import { parseContentRange } from './contentRange.js';

/**
 * What is remembered beside a partial (`<writer>.json`) so a later run can resume it safely: the
 * validator the server gave (ETag or Last-Modified), the total it announced, and a hash of the
 * mirror URL (never the URL itself: it may carry a signature).
 */
export interface PartialMeta {
  readonly version: 1;
  readonly urlKey: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  readonly total?: number | undefined;
  readonly sha256?: string | undefined;
  /**
   * Set when several connections filled the partial (it may have holes): the byte ranges
   * `[start, end)` that were written, sorted and disjoint. Absent: the partial is an exact prefix
   * of the file, as long as the file itself.
   */
  readonly segments?: readonly (readonly [number, number])[] | undefined;
}

/** Key identifying a mirror URL without storing it. */
export function urlKey(url: URL): string {
  return createHash('sha256').update(url.href).digest('hex').slice(0, 32);
}

/** The validator to send in If-Range: a strong ETag, else Last-Modified, else none. */
export function ifRangeValue(meta: PartialMeta | undefined): string | undefined {
  if (!meta) return undefined;
  if (meta.etag && !meta.etag.startsWith('W/')) return meta.etag;
  return meta.lastModified;
}

/** Headers of a (resumed) request. */
export function resumeHeaders(
  offset: number,
  meta: PartialMeta | undefined,
  mirrorKey: string,
  sha256Known: boolean,
): { headers: Record<string, string>; range: boolean } {
  if (offset <= 0) return { headers: {}, range: false };
  const sameMirror = meta?.urlKey === mirrorKey;
  // Bytes from another mirror are only combined when the final sha256 will prove the result.
  if (!sameMirror && !sha256Known) return { headers: {}, range: false };
  const headers: Record<string, string> = { range: `bytes=${offset}-` };
  const validator = sameMirror ? ifRangeValue(meta) : undefined;
  if (validator) headers['if-range'] = validator;
  return { headers, range: true };
}

/** What to do with a response to a (possibly ranged) GET. */
export type ResponsePlan =
  /** Write the body at `start`; it holds `length` bytes (undefined = until the end). */
  | {
      readonly action: 'write';
      readonly start: number;
      readonly length: number | undefined;
      readonly total: number | undefined;
    }
  /** Discard the partial and write this body from byte 0. */
  | {
      readonly action: 'restart';
      readonly reason: RestartReason;
      readonly length: number | undefined;
      readonly total: number | undefined;
    }
  /** The partial already holds the whole file. */
  | { readonly action: 'complete'; readonly total: number }
  /** Discard the partial and ask again without Range (do not use this body). */
  | { readonly action: 'refetch'; readonly reason: RestartReason }
  /** The response does not fit the expected file at all. */
  | { readonly action: 'fail'; readonly error: Error };

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Checks a 200 / 206 / 416 answer against what was asked: a 200 to a range request restarts; a 206
 * must start exactly at the offset, with a consistent end, length and total; a 416 means complete
 * only when its total equals the kept bytes (and the expected size).
 */
export function planResponse(input: {
  status: number;
  headers: IncomingHttpHeaders;
  offset: number;
  rangeSent: boolean;
  expectedSize: number | undefined;
  knownTotal: number | undefined;
  url: string;
}): ResponsePlan {
  const { status, headers, offset, rangeSent, expectedSize, knownTotal, url } = input;
  const length = contentLength(headers);
  const wrongSize = (actual: number): ResponsePlan => ({
    action: 'fail',
    error: new SizeMismatchError(expectedSize as number, actual, { url }),
  });
  if (status === 200) {
    if (length !== undefined && expectedSize !== undefined && length !== expectedSize)
      return wrongSize(length);
    if (rangeSent && offset > 0) return { action: 'restart', reason: 'range-ignored', length, total: length };
    return { action: 'write', start: 0, length, total: length };
  }
  if (status === 206) {
    const range = parseContentRange(headers['content-range']);
    if (range?.kind !== 'range') return { action: 'refetch', reason: 'bad-content-range' };
    const total = range.total ?? expectedSize ?? knownTotal;
    if (range.total !== undefined && expectedSize !== undefined && range.total !== expectedSize)
      return wrongSize(range.total);
    if (
      range.total !== undefined &&
      knownTotal !== undefined &&
      range.total !== knownTotal &&
      expectedSize === undefined
    ) {
      return { action: 'refetch', reason: 'validator-changed' };
    }
    const expectedStart = rangeSent ? offset : 0;
    if (range.start !== expectedStart) return { action: 'refetch', reason: 'bad-content-range' };
    const bodyLength = range.end - range.start + 1;
    if (length !== undefined && length !== bodyLength)
      return { action: 'refetch', reason: 'bad-content-range' };
    if (!rangeSent && offset > 0)
      return { action: 'restart', reason: 'range-ignored', length: bodyLength, total };
    return { action: 'write', start: range.start, length: bodyLength, total };
  }
  if (status === 416) {
    const range = parseContentRange(headers['content-range']);
    const total = range?.kind === 'unsatisfied' ? range.total : range?.total;
    if (
      rangeSent &&
      total !== undefined &&
      total === offset &&
      (expectedSize === undefined || expectedSize === total)
    ) {
      return { action: 'complete', total };
    }
    return { action: 'refetch', reason: 'range-not-satisfiable' };
  }
  return { action: 'fail', error: new Error(`unexpected status ${status}`) };
}
