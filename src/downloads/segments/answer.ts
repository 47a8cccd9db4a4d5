import type { IncomingHttpHeaders } from 'node:http';
import { parseContentRange } from '../contentRange.js';

/** What a chunk request asked for and what the first response said about the file. */
export interface ChunkAsk {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** First byte asked for. */
  readonly start: number;
  /** Last byte asked for (inclusive). */
  readonly end: number;
  /** Size of the file as the first response gave it. */
  readonly total: number;
  /** ETag and Last-Modified of the first response (the file's identity). */
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

/** How to treat the answer to a chunk request. */
export type ChunkAnswer =
  /** A usable body: bytes `start..end` (inclusive; `end` may stop short of what was asked). */
  | { readonly kind: 'body'; readonly start: number; readonly end: number }
  /** The file changed on the server (another validator or size): everything kept is stale. */
  | { readonly kind: 'changed' }
  /** A 200: the server ignored Range and sends the whole file. */
  | { readonly kind: 'ignored' }
  /** A 206 that does not fit what was asked (start, length, unparsable Content-Range), or a 416. */
  | { readonly kind: 'bad' };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether the response names another version of the file than the first response did. */
function otherVersion(ask: ChunkAsk): boolean {
  const etag = header(ask.headers, 'etag');
  if (etag !== undefined && ask.etag !== undefined) return etag !== ask.etag;
  const modified = header(ask.headers, 'last-modified');
  return modified !== undefined && ask.lastModified !== undefined && modified !== ask.lastModified;
}

/**
 * Checks the answer to `Range: bytes=<start>-<end>` (+ If-Range): a 206 must start exactly at
 * `start`, end at or before `end`, agree with its Content-Length and announce the known total; a
 * 200 means Range was ignored — or, with another validator, that the file changed (If-Range).
 */
export function checkChunkAnswer(ask: ChunkAsk): ChunkAnswer {
  if (otherVersion(ask)) return { kind: 'changed' };
  if (ask.status === 200) return { kind: 'ignored' };
  if (ask.status !== 206) return { kind: 'bad' };
  const range = parseContentRange(header(ask.headers, 'content-range'));
  if (range?.kind !== 'range') return { kind: 'bad' };
  if (range.total !== undefined && range.total !== ask.total) return { kind: 'changed' };
  if (range.start !== ask.start || range.end > ask.end) return { kind: 'bad' };
  const length = header(ask.headers, 'content-length');
  if (length !== undefined && (!/^\d{1,16}$/.test(length) || Number(length) !== range.end - range.start + 1))
    return { kind: 'bad' };
  return { kind: 'body', start: range.start, end: range.end };
}
