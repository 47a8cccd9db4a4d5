import { validateHeaderName, validateHeaderValue } from 'node:http';
import { ProtocolError } from '../../errors/ProtocolError.js';
import type { ProxyConfig } from '../../proxy/config.js';
import { openConnection, routeFor, type TlsOptions } from './connect.js';
import { abortReason, type Connection, type ReadHandler } from './connection.js';
import { findHeadEnd, parseHead, type ResponseHead } from './head.js';
import type { ConnectionPool } from './pool.js';
import { Http1Response } from './response.js';

/** Options of {@link request}. */
export interface RequestOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly pool: ConnectionPool;
  readonly proxy: ProxyConfig | false | undefined;
  readonly tls?: TlsOptions | undefined;
  /** The URL as it may appear in messages (redacted). */
  readonly displayUrl: string;
}

function requestHead(url: URL, target: string, headers: Readonly<Record<string, string>>): string {
  const lines = [`GET ${target} HTTP/1.1`];
  const names = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  if (!names.has('host')) lines.push(`Host: ${url.host}`);
  // Like node:http, userinfo in the URL becomes Basic credentials.
  if (!names.has('authorization') && (url.username || url.password)) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    lines.push(`Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  for (const [name, value] of Object.entries(headers)) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

interface HeadResult {
  readonly head: ResponseHead;
  /** Bytes after the head (the start of the body); grows until the response takes over reading. */
  readonly leftover: Buffer[];
}

/** Reads response heads into the connection's scratch buffer, skipping 1xx interim answers. */
function readHead(connection: Connection, signal: AbortSignal, url: string): Promise<HeadResult> {
  return new Promise((resolve, reject) => {
    const scratch = connection.scratch;
    const leftover: Buffer[] = [];
    let fill = 0;
    let settled = false;
    const settle = (error: Error | undefined, result?: HeadResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) {
        connection.destroy();
        reject(error);
      } else resolve(result as HeadResult);
    };
    const onAbort = () => settle(abortReason(signal));
    /** Parses what is buffered; true once a final head was found. */
    const parse = (): boolean => {
      for (;;) {
        const end = findHeadEnd(scratch, fill);
        if (end < 0) {
          if (fill === scratch.length)
            throw new ProtocolError(`Response head from ${url} is too large`, { url });
          return false;
        }
        const head = parseHead(scratch.subarray(0, end), url);
        const rest = Buffer.from(scratch.subarray(end, fill));
        if (head.statusCode >= 200) {
          leftover.push(rest);
          settle(undefined, { head, leftover });
          return true;
        }
        if (head.statusCode === 101) throw new ProtocolError(`${url} switched protocols unasked`, { url });
        rest.copy(scratch, 0);
        fill = rest.length;
      }
    };
    const handler: ReadHandler = {
      target: () => (settled ? undefined : scratch.subarray(fill)),
      data: (buffer, bytes) => {
        // A TLS socket may hand over more records of the same read after we settled: keep them.
        if (settled) {
          leftover.push(Buffer.from(buffer.subarray(0, bytes)));
          return false;
        }
        try {
          if (buffer.buffer !== scratch.buffer || buffer.byteOffset !== scratch.byteOffset + fill) {
            // Chunks from a 'data' event (TLS in a tunnel) can be larger than the room left.
            const room = scratch.length - fill;
            scratch.set(buffer.subarray(0, Math.min(bytes, room)), fill);
            if (bytes > room) {
              fill = scratch.length;
              const end = findHeadEnd(scratch, fill);
              if (end < 0) throw new ProtocolError(`Response head from ${url} is too large`, { url });
              // The head fits; what did not fit is body: keep all of it for the response.
              const head = parseHead(scratch.subarray(0, end), url);
              if (head.statusCode < 200)
                throw new ProtocolError(`Interim responses from ${url} are too large`, { url });
              leftover.push(
                Buffer.concat([scratch.subarray(end, scratch.length), buffer.subarray(room, bytes)]),
              );
              settle(undefined, { head, leftover });
              return false;
            }
          }
          fill += bytes;
          return !parse();
        } catch (error) {
          settle(error as Error);
          return false;
        }
      },
      closed: (error) => {
        const reason =
          error ??
          Object.assign(new Error(`${url} closed the connection before answering`), {
            code: 'ECONNRESET',
            beforeAnyByte: fill === 0,
          });
        if (error && fill === 0) Object.assign(error, { beforeAnyByte: true });
        settle(reason);
      },
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    connection.setHandler(handler);
    if (connection.closed) handler.closed(connection.closeError);
    else connection.resume();
  });
}

/**
 * One HTTP/1.1 GET along the route for `url` (direct, plain-HTTP proxy or CONNECT tunnel), on a
 * pooled keep-alive connection when one is idle. Resolves with the response head; the body waits
 * on the paused connection. A reused connection that the server had closed is retried once on a
 * fresh one (GET is idempotent).
 */
export async function request(url: URL, options: RequestOptions): Promise<Http1Response> {
  const route = routeFor(url, options.proxy);
  const head = requestHead(url, route.requestTarget, { ...options.headers, ...route.proxyHeaders });
  for (;;) {
    const pooled = options.pool.take(route.key);
    const connection = pooled ?? (await openConnection(route, options.signal, options.tls));
    try {
      connection.write(head);
      const { head: responseHead, leftover } = await readHead(connection, options.signal, options.displayUrl);
      // Usually one piece: no second copy of it.
      const body = leftover.length === 1 ? (leftover[0] as Buffer) : Buffer.concat(leftover);
      return new Http1Response(connection, options.pool, responseHead, body, options.displayUrl);
    } catch (error) {
      connection.destroy();
      const stale = pooled !== undefined && (error as { beforeAnyByte?: boolean }).beforeAnyByte === true;
      if (!stale || options.signal.aborted) throw error;
    }
  }
}
