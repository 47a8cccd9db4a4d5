import type { Attempt } from '../attempt.js';
import type { Http1Response } from '../http1/response.js';
import type { CycleGate } from '../originGate.js';
import type { TransferContext } from '../transfer.js';
import { runSegments } from './engine.js';
import { chunkStarts, segmentLayout } from './layout.js';

/** Connections `ctx`'s file may use (the request's own setting, else the Downloader's). */
export function connectionsFor(ctx: Pick<TransferContext, 'deps' | 'req'>): number {
  return ctx.req.connectionsPerFile ?? ctx.deps.options.connectionsPerFile;
}

/**
 * Whether a file of `size` bytes from mirror `key` should be fetched over several connections:
 * more than one allowed, large enough, and the mirror not known to ignore bounded ranges.
 */
export function wantsSegments(ctx: TransferContext, key: string, size: number | undefined): boolean {
  return (
    size !== undefined &&
    size >= ctx.deps.options.segmentMinSize &&
    connectionsFor(ctx) > 1 &&
    !ctx.state.rangeless.has(key)
  );
}

/**
 * Last byte of the chunk that holds `offset` (the first request of a segmented file asks for no
 * more), or undefined when the file is not fetched in segments or its size is unknown.
 */
export function firstChunkEnd(ctx: TransferContext, key: string, offset: number): number | undefined {
  const total = ctx.req.size ?? ctx.state.total;
  if (total === undefined || offset >= total || !wantsSegments(ctx, key, total)) return undefined;
  const starts = chunkStarts(total, segmentLayout(ctx.deps.options, connectionsFor(ctx)));
  return (starts.find((start) => start > offset) ?? total) - 1;
}

/**
 * Whether the first response lets the file go on over several connections: a 206, or a 200 that
 * announces `Accept-Ranges: bytes` (the first chunk request then proves it).
 */
export function segmentable(
  ctx: TransferContext,
  key: string,
  response: Http1Response,
  total: number | undefined,
): boolean {
  if (!wantsSegments(ctx, key, total)) return false;
  const accepts = String(response.headers['accept-ranges'] ?? '').toLowerCase() === 'bytes';
  return response.statusCode === 206 || accepts;
}

/** The first response and what it belongs to. */
export interface SegmentedStart {
  readonly mirror: URL;
  readonly key: string;
  readonly attempt: Attempt;
  /** File position of the body's first byte. */
  readonly start: number;
  /** Body length, if announced. */
  readonly length: number | undefined;
  readonly gate: CycleGate;
  readonly outer: AbortSignal;
}

/** Runs the connections of a segmented file from its first response (see {@link runSegments}). */
export async function runSegmented(
  ctx: TransferContext,
  start: SegmentedStart,
): Promise<'done' | 'restart' | 'again'> {
  const connections = connectionsFor(ctx);
  const total = ctx.state.total as number;
  const file = await ctx.partial.segmentsFor(total, segmentLayout(ctx.deps.options, connections));
  return runSegments({
    ctx,
    mirror: start.mirror,
    key: start.key,
    file,
    gate: start.gate,
    outer: start.outer,
    lead: start.attempt,
    leadStart: start.start,
    leadLength: start.length,
    maxConnections: connections,
    lease: ctx.deps.budget.join(start.attempt.url.origin),
    windows: ctx.deps.windows,
  });
}
