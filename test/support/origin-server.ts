import { createHash } from 'node:crypto';
import type net from 'node:net';
import { parseRange } from './download-server.js';
import { delay, type RawRequest, type RawServer, rawHead, startRawServer, writeAll } from './raw-server.js';

/**
 * What an origin does with one request for one path. Every answer is written as raw bytes, so the
 * framing (Content-Length, chunked, read-to-close) is exactly what the kind says.
 */
export type OriginBehaviour =
  /** Honours Range and If-Range (strong ETag), answers 200 or 206. */
  | { kind: 'normal' }
  /** A bare status with optional headers and no body (e.g. 503 with Retry-After). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; reason?: string; body?: string }
  /** Announces the full length, sends `after` body bytes, then resets the connection. */
  | { kind: 'cut'; after: number }
  /** Chunked body that ends cleanly (`0\r\n\r\n`) after `after` bytes: short but well-formed. */
  | { kind: 'short-chunked'; after: number }
  /** No Content-Length, `Connection: close`, closes cleanly after `after` bytes. */
  | { kind: 'short-close'; after: number }
  /** The right length with the byte at `index` (of the whole file) flipped. */
  | { kind: 'flip'; index: number }
  /** Sends `after` bytes, then nothing while keeping the connection open. */
  | { kind: 'stall'; after: number }
  /** One byte every `everyMs` until the client goes away. */
  | { kind: 'trickle'; everyMs: number }
  /** 302 to `location` (absolute or relative). */
  | { kind: 'redirect'; location: string }
  /** 200 with the whole file whatever the Range (optionally cut after `cutAfter` bytes). */
  | { kind: 'ignore-range'; cutAfter?: number }
  /** 206 with the asked bytes but a Content-Range whose start and end are off by `shift`. */
  | { kind: 'wrong-content-range'; shift: number }
  /** The file changed: 200 with the whole body under another ETag (what If-Range then gets). */
  | { kind: 'changed' };

/** One request as the origin saw it. */
export interface OriginRequest {
  readonly path: string;
  /** The request target as sent (path and query). */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Which request for this path it was (0-based). */
  readonly nth: number;
  readonly behaviour: OriginBehaviour['kind'];
}

/** Chooses the behaviour for the `nth` request (0-based) of `path`. */
export type OriginPlan = (path: string, nth: number, request: RawRequest) => OriginBehaviour;

/** How an origin paces its bodies. */
export interface OriginOptions {
  /** Bytes per write (default: the whole body at once). */
  readonly chunk?: number;
  /** Pause after each write of `chunk` bytes, ms (a per-connection rate cap, as many CDNs have). */
  readonly delayMs?: number;
}

export interface Origin {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly base: string;
  /** Connections the server side still has open. */
  readonly openConnections: () => number;
  readonly server: RawServer;
  readonly requests: OriginRequest[];
  /** Requests seen for `path`. */
  requestsFor(path: string): number;
  /** Body bytes written for `path` (all requests). */
  bytesFor(path: string): number;
  /** Most requests that were being answered at the same time. */
  readonly peakInFlight: () => number;
  /** Requests being answered now. */
  readonly inFlight: () => number;
  close(): Promise<void>;
}

const etagOf = (content: Buffer) => `"${createHash('sha256').update(content).digest('hex').slice(0, 16)}"`;

/**
 * One loopback origin serving many files (as the Hub serves every file of every model), each
 * request answered by `plan(path, nth)`. Unknown paths get 404.
 */
export async function startOrigin(
  files: ReadonlyMap<string, Buffer>,
  plan: OriginPlan,
  options: OriginOptions = {},
): Promise<Origin> {
  const requests: OriginRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const counts = new Map<string, number>();
  const bytes = new Map<string, number>();
  const count = (path: string, n: number) => bytes.set(path, (bytes.get(path) ?? 0) + n);

  const handler = async (socket: net.Socket, request: RawRequest): Promise<void> => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    // Over when answered, or as soon as the client went away (not when our paced writes notice).
    let over = false;
    const finish = () => {
      if (over) return;
      over = true;
      inFlight -= 1;
      socket.off('close', finish);
    };
    socket.once('close', finish);
    try {
      await answer(socket, request);
    } finally {
      finish();
    }
  };

  /** Writes `body` in paced pieces (or at once), counting what was handed to the kernel. */
  const writeBody = async (socket: net.Socket, path: string, body: Buffer): Promise<void> => {
    const piece = options.chunk ?? body.length;
    for (let at = 0; at < body.length && !socket.destroyed; at += piece) {
      const slice = body.subarray(at, at + piece);
      await writeAll(socket, slice);
      count(path, slice.length);
      if (options.delayMs) await delay(options.delayMs);
    }
  };

  const answer = async (socket: net.Socket, request: RawRequest): Promise<void> => {
    const path = decodeURIComponent(request.target.split('?')[0] ?? '');
    const nth = counts.get(path) ?? 0;
    counts.set(path, nth + 1);
    const content = files.get(path);
    const behaviour: OriginBehaviour = content ? plan(path, nth, request) : { kind: 'status', status: 404 };
    requests.push({ path, target: request.target, headers: request.headers, nth, behaviour: behaviour.kind });
    if (!content || behaviour.kind === 'status') {
      const status = behaviour.kind === 'status' ? behaviour.status : 404;
      const extra = behaviour.kind === 'status' ? Object.entries(behaviour.headers ?? {}) : [];
      const reason = (behaviour.kind === 'status' && behaviour.reason) || 'X';
      const text = Buffer.from((behaviour.kind === 'status' && behaviour.body) || '');
      await writeAll(
        socket,
        rawHead(`HTTP/1.1 ${status} ${reason}`, [
          ...extra.map(([k, v]) => `${k}: ${v}`),
          `Content-Length: ${text.length}`,
        ]),
      );
      if (text.length > 0) await writeAll(socket, text);
      return;
    }
    if (behaviour.kind === 'redirect') {
      await writeAll(
        socket,
        rawHead('HTTP/1.1 302 Found', [`Location: ${behaviour.location}`, 'Content-Length: 0']),
      );
      return;
    }
    const size = content.length;
    const etag = behaviour.kind === 'changed' ? '"changed"' : etagOf(content);
    let body = content;
    if (behaviour.kind === 'flip') {
      body = Buffer.from(content);
      body[behaviour.index % size] = (body[behaviour.index % size] as number) ^ 0xff;
    }
    const whole = behaviour.kind === 'ignore-range' || behaviour.kind === 'changed';
    const range = whole ? undefined : parseRange(request.headers.range, size);
    const ifRange = request.headers['if-range'];
    const honoured = range !== undefined && (ifRange === undefined || ifRange === etag);
    if (honoured && range.start >= size) {
      await writeAll(
        socket,
        rawHead('HTTP/1.1 416 X', [`Content-Range: bytes */${size}`, 'Content-Length: 0']),
      );
      return;
    }
    const start = honoured ? range.start : 0;
    const part = body.subarray(start, honoured ? range.end + 1 : size);
    const status = honoured ? 'HTTP/1.1 206 Partial Content' : 'HTTP/1.1 200 OK';
    const common = [`ETag: ${etag}`, 'Accept-Ranges: bytes'];
    const shift = behaviour.kind === 'wrong-content-range' ? behaviour.shift : 0;
    if (honoured)
      common.push(`Content-Range: bytes ${start + shift}-${start + shift + part.length - 1}/${size}`);
    switch (behaviour.kind) {
      case 'short-chunked': {
        const piece = part.subarray(0, Math.min(behaviour.after, part.length));
        await writeAll(socket, rawHead(status, [...common, 'Transfer-Encoding: chunked']));
        if (piece.length > 0) await writeAll(socket, `${piece.length.toString(16)}\r\n`);
        if (piece.length > 0) await writeAll(socket, piece);
        if (piece.length > 0) await writeAll(socket, '\r\n');
        await writeAll(socket, '0\r\n\r\n');
        count(path, piece.length);
        return;
      }
      case 'short-close': {
        const piece = part.subarray(0, Math.min(behaviour.after, part.length));
        await writeAll(socket, rawHead(status, [...common, 'Connection: close']));
        await writeAll(socket, piece);
        count(path, piece.length);
        socket.end();
        return;
      }
      case 'trickle': {
        await writeAll(socket, rawHead(status, [...common, `Content-Length: ${part.length}`]));
        for (let at = 0; at < part.length && !socket.destroyed; at++) {
          await writeAll(socket, part.subarray(at, at + 1));
          count(path, 1);
          await delay(behaviour.everyMs);
        }
        return;
      }
      default:
        break;
    }
    await writeAll(socket, rawHead(status, [...common, `Content-Length: ${part.length}`]));
    const limit =
      behaviour.kind === 'cut' || behaviour.kind === 'stall'
        ? Math.min(behaviour.after, part.length)
        : behaviour.kind === 'ignore-range' && behaviour.cutAfter !== undefined
          ? Math.min(behaviour.cutAfter, part.length)
          : part.length;
    await writeBody(socket, path, part.subarray(0, limit));
    if (limit < part.length) {
      if (behaviour.kind === 'stall') return new Promise<void>((resolve) => socket.once('close', resolve));
      socket.resetAndDestroy();
    }
  };

  const server = await startRawServer(handler);
  return {
    base: `http://127.0.0.1:${server.port}`,
    openConnections: () => server.openConnections(),
    server,
    requests,
    requestsFor: (path) => counts.get(path) ?? 0,
    bytesFor: (path) => bytes.get(path) ?? 0,
    peakInFlight: () => peak,
    inFlight: () => inFlight,
    close: () => server.close(),
  };
}
