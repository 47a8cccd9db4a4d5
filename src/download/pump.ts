import type { IncomingMessage } from 'node:http';
import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import type { BlockSink } from './blockSink.js';
import type { TokenBucket } from './throttle.js';

/** Options of {@link pumpBody}. */
export interface PumpOptions {
  readonly sink: BlockSink;
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

/** An error for a body that ended before its announced length. */
export function prematureClose(received: number, expected: number | undefined): Error {
  const error = new Error(
    `The connection closed after ${received} of ${expected ?? 'an unknown number of'} body bytes`,
  ) as Error & { code: string };
  error.code = 'ECONNRESET';
  return error;
}

/**
 * Streams a response body into the sink: pauses the response while the block pool is exhausted or
 * the bandwidth limit asks for a pause, checks that no more bytes arrive than announced, and
 * rejects on a body that ends short. Resolves with the body bytes received.
 */
export function pumpBody(response: IncomingMessage, options: PumpOptions): Promise<number> {
  const { sink, length, total, bucket } = options;
  return new Promise<number>((resolve, reject) => {
    let received = 0;
    let held = 0;
    let done = false;
    let throttleTimer: NodeJS.Timeout | undefined;
    const hold = () => {
      if (held++ === 0) {
        response.pause();
        options.setHeld(true);
      }
    };
    const unhold = () => {
      if (--held === 0 && !done) {
        options.setHeld(false);
        options.touch();
        response.resume();
      }
    };
    const onAbort = () =>
      finish(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    const finish = (error: Error | undefined) => {
      if (done) return;
      done = true;
      options.signal.removeEventListener('abort', onAbort);
      if (throttleTimer) clearTimeout(throttleTimer);
      sink.onDrain = undefined;
      response.removeListener('data', onData);
      if (error) {
        response.destroy();
        reject(error);
      } else resolve(received);
    };
    const onData = (chunk: Buffer) => {
      options.touch();
      received += chunk.length;
      if (length !== undefined && received > length) {
        finish(new SizeMismatchError(length, received, { url: options.url }));
        return;
      }
      if (total !== undefined && sink.received + chunk.length > total) {
        finish(new SizeMismatchError(total, sink.received + chunk.length, { url: options.url }));
        return;
      }
      if (!sink.write(chunk)) {
        hold();
        sink.onDrain = unhold;
      }
      if (sink.error) {
        finish(sink.error);
        return;
      }
      options.onChunk(chunk.length);
      if (bucket) {
        const wait = bucket.take(chunk.length);
        if (wait > 0) {
          hold();
          throttleTimer = setTimeout(() => {
            throttleTimer = undefined;
            unhold();
          }, wait);
        }
      }
    };
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    // The connection may have closed while the caller was busy before pumping.
    if (response.destroyed && !response.complete) {
      finish(prematureClose(0, length));
      return;
    }
    response.on('data', onData);
    response.once('end', () => {
      if (length !== undefined && received < length) finish(prematureClose(received, length));
      else finish(undefined);
    });
    response.once('error', (error) => finish(error));
    response.once('close', () => {
      if (!response.complete) finish(prematureClose(received, length));
      else if (!done) {
        // 'end' follows 'close' only when the body was read completely.
        setImmediate(() => {
          if (!done)
            finish(length !== undefined && received < length ? prematureClose(received, length) : undefined);
        });
      }
    });
  });
}
