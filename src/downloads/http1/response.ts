import type { IncomingHttpHeaders } from 'node:http';
import { ChunkedDecoder } from './chunked.js';
import { abortReason, type Connection, type ReadHandler } from './connection.js';
import { type BodyFraming, bodyFraming, reusable } from './framing.js';
import type { ResponseHead } from './head.js';
import type { ConnectionPool } from './pool.js';

/** Where a body goes: ideally straight into memory it lends out (`region` + `commit`), else copied. */
export interface BodySink {
  /** Free memory the next read may fill in place, or undefined while none is free. */
  region(): Uint8Array | undefined;
  /** `bytes` bytes were read into the start of the last region. False: pause until `onDrain`. */
  commit(bytes: number): boolean;
  /** Copies `chunk` in. False: pause until `onDrain`. */
  write(chunk: Buffer): boolean;
  /** Called once after `commit` or `write` returned false and room is available again. */
  onDrain: (() => void) | undefined;
  /** A failure of the sink (it ends the body). */
  readonly error: Error | undefined;
}

/** How {@link Http1Response.pipe} is steered and observed. */
export interface BodyControl {
  readonly signal: AbortSignal;
  /** Checks `bytes` more body bytes after `received`; an error ends the body with it. */
  check(received: number, bytes: number): Error | undefined;
  /** Bytes were accepted; returns how long to pause reading (bandwidth limit), in ms. */
  accepted(bytes: number): number;
  /** Whether reading is paused by us (not the server), for the stall watchdog. */
  held(held: boolean): void;
  /** Data arrived (stall watchdog heartbeat). */
  touch(): void;
  /** Largest single read into the sink (keeps a bandwidth limit smooth); default unbounded. */
  readonly maxRead?: number | undefined;
}

/** An error for a body that ended before its announced length. */
export function prematureClose(received: number, expected: number | undefined): Error {
  const error = new Error(
    `The connection closed after ${received} of ${expected ?? 'an unknown number of'} body bytes`,
  ) as Error & { code: string };
  error.code = 'ECONNRESET';
  return error;
}

/** Parks a connection between its response head and the body reader, keeping stray bytes. */
class Parked implements ReadHandler {
  readonly pending: Buffer[] = [];
  closedWith: { error: Error | undefined } | undefined;
  target(): undefined {
    return undefined;
  }
  data(buffer: Uint8Array, bytes: number): boolean {
    this.pending.push(Buffer.from(buffer.subarray(0, bytes)));
    return false;
  }
  closed(error: Error | undefined): void {
    this.closedWith = { error };
  }
}

/**
 * A response whose head has been read; the body is still on the connection, which is paused. Read
 * it with {@link pipe}, or {@link discard} / {@link destroy} it. A fully read body on a persistent
 * connection returns the connection to the pool.
 */
export class Http1Response {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  readonly framing: BodyFraming;
  readonly #connection: Connection;
  readonly #pool: ConnectionPool;
  readonly #url: string;
  readonly #parked = new Parked();
  #leftover: Buffer;
  #reusable: boolean;
  #used = false;

  constructor(
    connection: Connection,
    pool: ConnectionPool,
    head: ResponseHead,
    leftover: Buffer,
    url: string,
  ) {
    this.statusCode = head.statusCode;
    this.statusMessage = head.statusMessage;
    this.headers = head.headers;
    this.framing = bodyFraming(head);
    this.#reusable = reusable(head, this.framing);
    this.#connection = connection;
    this.#pool = pool;
    this.#leftover = leftover;
    this.#url = url;
    connection.pause();
    connection.setHandler(this.#parked);
  }

  /** Body length announced by the framing (Content-Length), if any. */
  get contentLength(): number | undefined {
    return this.framing.kind === 'length' ? this.framing.length : undefined;
  }

  /** Closes the connection without reading the body; no-op once the body is being read or discarded. */
  destroy(): void {
    if (this.#used) return;
    this.#used = true;
    this.#connection.destroy();
  }

  /** Throws the body away: keeps the connection when the body already arrived, else closes it. */
  discard(): void {
    if (this.#used) return;
    this.#used = true;
    const framing = this.framing;
    const arrived =
      this.#leftover.length + this.#parked.pending.reduce((sum, chunk) => sum + chunk.length, 0);
    // Reused only when exactly the body arrived with the head (nothing more: that would be garbage).
    const bodyLength = framing.kind === 'none' ? 0 : framing.kind === 'length' ? framing.length : -1;
    if (arrived === bodyLength) this.#complete();
    else this.#connection.destroy();
  }

  #complete(): void {
    if (this.#reusable && !this.#connection.closed) this.#pool.give(this.#connection);
    else this.#connection.destroy();
  }

  /** Reads the body into `sink`; resolves with the body bytes received. */
  pipe(sink: BodySink, control: BodyControl): Promise<number> {
    if (this.#used) return Promise.reject(new Error('the response body was already consumed'));
    this.#used = true;
    const connection = this.#connection;
    const framing = this.framing;
    const url = this.#url;
    return new Promise<number>((resolve, reject) => {
      let received = 0;
      let remaining = framing.kind === 'length' ? framing.length : Number.POSITIVE_INFINITY;
      const decoder = framing.kind === 'chunked' ? new ChunkedDecoder(url) : undefined;
      let holds = 0;
      let awaitingDrain = false;
      let throttle: NodeJS.Timeout | undefined;
      let lastRegion: Uint8Array | undefined;
      let done = false;

      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        control.signal.removeEventListener('abort', onAbort);
        if (throttle) clearTimeout(throttle);
        sink.onDrain = undefined;
        connection.setHandler(undefined);
        if (error) {
          connection.destroy();
          reject(error);
        } else {
          this.#complete();
          resolve(received);
        }
      };
      const onAbort = () => finish(abortReason(control.signal));
      const hold = () => {
        if (holds++ === 0) {
          connection.pause();
          control.held(true);
        }
      };
      const unhold = () => {
        if (--holds === 0 && !done) {
          control.held(false);
          control.touch();
          connection.resume();
        }
      };
      const complete = () => (decoder ? decoder.done : remaining === 0);
      /** Takes payload bytes; `inPlace` when they already sit in the sink's region. */
      const accept = (bytes: Uint8Array, inPlace: boolean) => {
        if (done || bytes.length === 0) return;
        const error = control.check(received, bytes.length);
        if (error) {
          finish(error);
          return;
        }
        received += bytes.length;
        const room = inPlace
          ? sink.commit(bytes.length)
          : sink.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
        if (sink.error) finish(sink.error);
        else if (!room && !awaitingDrain) {
          awaitingDrain = true;
          hold();
          sink.onDrain = () => {
            awaitingDrain = false;
            unhold();
          };
        }
      };
      /** Bytes that were read somewhere else than a region of the sink. */
      const copyIn = (bytes: Uint8Array) => {
        if (decoder) {
          let consumed = 0;
          try {
            consumed = decoder.feed(bytes, 0, bytes.length, (slice) => accept(slice, false));
          } catch (error) {
            finish(error as Error);
            return;
          }
          if (consumed < bytes.length) this.#reusable = false;
          return;
        }
        const take = Math.min(bytes.length, remaining);
        remaining -= take;
        accept(bytes.subarray(0, take), false);
        // Bytes beyond the announced length: the connection cannot be trusted with another request.
        if (take < bytes.length) this.#reusable = false;
      };
      const afterData = (bytes: number) => {
        if (done) return;
        const wait = control.accepted(bytes);
        if (complete()) {
          finish();
          return;
        }
        if (wait > 0 && !throttle) {
          hold();
          throttle = setTimeout(() => {
            throttle = undefined;
            unhold();
          }, wait);
        }
      };
      const handler: ReadHandler = {
        target: () => {
          lastRegion = undefined;
          if (decoder || done || awaitingDrain) return undefined;
          const region = sink.region();
          const most = Math.min(remaining, control.maxRead ?? Number.POSITIVE_INFINITY);
          if (region) lastRegion = region.length > most ? region.subarray(0, most) : region;
          return lastRegion;
        },
        data: (buffer, bytes) => {
          control.touch();
          const before = received;
          if (buffer === lastRegion) {
            remaining -= bytes;
            accept(buffer.subarray(0, bytes), true);
          } else copyIn(buffer.subarray(0, bytes));
          afterData(received - before);
          // Once done, a connection handed back to the pool keeps reading (its idle watcher).
          return holds === 0 && !connection.closed;
        },
        closed: (error) => {
          if (done) return;
          if (!error && framing.kind === 'close') finish();
          else
            finish(error ?? prematureClose(received, framing.kind === 'length' ? framing.length : undefined));
        },
      };

      if (control.signal.aborted) {
        onAbort();
        return;
      }
      control.signal.addEventListener('abort', onAbort, { once: true });
      connection.setHandler(handler);
      for (const chunk of [this.#leftover, ...this.#parked.pending.splice(0)]) {
        const before = received;
        copyIn(chunk);
        afterData(received - before);
      }
      this.#leftover = Buffer.alloc(0);
      if (done) return;
      const closedWith =
        this.#parked.closedWith ?? (connection.closed ? { error: connection.closeError } : undefined);
      if (closedWith) handler.closed(closedWith.error);
      else if (holds === 0) connection.resume();
    });
  }
}
