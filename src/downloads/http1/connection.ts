import type { Socket } from 'node:net';

/** Size of each connection's own read buffer (response heads, chunked bodies, small bodies). */
export const SCRATCH_BYTES = 64 * 1024;

/**
 * What an aborted request rejects with: the signal's reason itself (a StallError, a DiskFullError,
 * the caller's reason), so the Downloader can tell why the transfer stopped.
 */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Whoever currently reads a connection: a response head, a body, or the idle pool. */
export interface ReadHandler {
  /** Memory the next socket read should fill, or undefined for the connection's scratch buffer. */
  target(): Uint8Array | undefined;
  /** `bytes` bytes arrived at the start of `buffer` (the last target, or the scratch). False pauses reading. */
  data(buffer: Uint8Array, bytes: number): boolean;
  /** The peer closed the connection (error undefined) or it failed. Called at most once. */
  closed(error: Error | undefined): void;
}

/**
 * One HTTP/1.1 connection whose socket reads straight into memory chosen by the current
 * {@link ReadHandler} (Node's `onread` option): a download body lands in the sink's blocks with no
 * copy and no stream machinery in between. Requests run one at a time; between them the pool owns it.
 */
export class Connection {
  /** Pool key: scheme, host, port and proxy of the route. */
  readonly key: string;
  readonly scratch: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Whether an earlier request completed on it (a stale reused connection is retried once). */
  reused = false;
  #socket: Socket | undefined;
  #handler: ReadHandler | undefined;
  #closed = false;
  #closeError: Error | undefined;

  /** Pass as the socket's `onread` option. */
  readonly onread = {
    buffer: (): Uint8Array => {
      const target = this.#handler?.target();
      // A zero-length read buffer would fail the read with ENOBUFS.
      return target !== undefined && target.length > 0 ? target : this.scratch;
    },
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      const handler = this.#handler;
      if (!handler) {
        // Bytes nobody asked for (e.g. after a response ended): the connection is unusable.
        this.destroy();
        return false;
      }
      return handler.data(buffer, bytes);
    },
  };

  constructor(key: string) {
    this.key = key;
  }

  /** Attaches the connected socket (created with {@link onread}). */
  attach(socket: Socket): void {
    this.#socket = socket;
    // A TLS socket layered over an existing socket (a CONNECT tunnel) ignores `onread` and emits
    // 'data' instead: those chunks take the handler's copy path.
    socket.on('data', (chunk: Buffer) => {
      if (!this.onread.callback(chunk.length, chunk)) socket.pause();
    });
    socket.on('error', (error) => this.#close(error));
    socket.on('end', () => this.#close(undefined));
    socket.on('close', () => this.#close(undefined));
  }

  get socket(): Socket {
    if (!this.#socket) throw new Error('connection has no socket yet');
    return this.#socket;
  }

  /** Whether the socket has closed (or failed); see {@link closeError}. */
  get closed(): boolean {
    return this.#closed;
  }

  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** Hands reading to `handler` (or to nobody: any further byte then destroys the connection). */
  setHandler(handler: ReadHandler | undefined): void {
    this.#handler = handler;
  }

  pause(): void {
    this.#socket?.pause();
  }

  resume(): void {
    this.#socket?.resume();
  }

  write(data: string): void {
    this.socket.write(data, 'latin1');
  }

  destroy(error?: Error): void {
    if (this.#socket && !this.#socket.destroyed) this.#socket.destroy();
    this.#close(error);
  }

  #close(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    const handler = this.#handler;
    this.#handler = undefined;
    if (this.#socket && !this.#socket.destroyed) this.#socket.destroy();
    handler?.closed(error);
  }
}
