import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import type { BodySink, Http1Response } from './http1/response.js';
import type { TokenBucket } from './throttle.js';

/** A body sink that knows the file position of its next byte. */
export interface PositionedSink extends BodySink {
  /** File position of the next byte (checked against the file's size). */
  readonly received: number;
}

/** Options of {@link pumpBody}. */
export interface PumpOptions {
  readonly sink: PositionedSink;
  /** Body bytes announced (Content-Length / range length), if known. */
  readonly length: number | undefined;
  /** Size of the whole file, if known: never accept bytes beyond it. */
  readonly total: number | undefined;
  readonly bucket: TokenBucket | undefined;
  /** Called after each accepted chunk with its size. */
  readonly onChunk: (bytes: number) => void;
  /** Tells the stall watchdog whether we (not the server) are holding the stream. */
  readonly setHeld: (held: boolean) => void;
  /** Called whenever data arrives (stall watchdog heartbeat). */
  readonly touch: () => void;
  readonly url: string;
  /** Aborting it (stall watchdog, caller) ends the pump with its reason. */
  readonly signal: AbortSignal;
}

/**
 * Streams a response body into the sink (straight into its blocks where the framing allows),
 * pausing while the block pool is exhausted or the bandwidth limit asks for a pause, refusing more
 * bytes than announced or than the file can hold, and rejecting a body that ends short. Resolves
 * with the body bytes received.
 */
export function pumpBody(response: Http1Response, options: PumpOptions): Promise<number> {
  const { sink, length, total, bucket } = options;
  const start = sink.received;
  return response.pipe(sink, {
    signal: options.signal,
    check: (received, bytes) => {
      if (length !== undefined && received + bytes > length)
        return new SizeMismatchError(length, received + bytes, { url: options.url });
      if (total !== undefined && start + received + bytes > total)
        return new SizeMismatchError(total, start + received + bytes, { url: options.url });
      return undefined;
    },
    accepted: (bytes) => {
      options.onChunk(bytes);
      return bucket ? bucket.take(bytes) : 0;
    },
    // Under a bandwidth limit, small reads let the pauses follow the rate closely.
    maxRead: bucket ? 64 * 1024 : undefined,
    held: options.setHeld,
    touch: options.touch,
  });
}
