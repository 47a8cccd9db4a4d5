import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with one request (the script is consumed in order, then `fallback`). */
export type Behaviour =
  | { kind: 'normal' }
  /** Announce the full length, send `after` body bytes, then destroy the socket. */
  | { kind: 'cut'; after: number }
  /** Answer 200 with the whole body even to a Range request (optionally cut after `cutAfter` bytes). */
  | { kind: 'ignore-range'; cutAfter?: number }
  /** Answer 206 with a Content-Range whose start is off by `shift`. */
  | { kind: 'wrong-content-range'; shift: number }
  /** A bare status (503, 404, 500…) with optional headers. */
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /** Send `after` body bytes, then nothing more while keeping the socket open. */
  | { kind: 'stall'; after: number }
  /** Serve the body with the byte at `index` flipped (same length). */
  | { kind: 'flip'; index: number }
  /** Answer 416 with `bytes *\/<size>` whatever the range. */
  | { kind: '416' }
  /** Redirect (302) to `location`. */
  | { kind: 'redirect'; location: string };

/** One request as the server saw it. */
export interface SeenRequest {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly range: string | undefined;
  status: number;
  bodyBytes: number;
}

export interface FileServerOptions {
  /** Behaviours for the first requests, in order. */
  script?: Behaviour[];
  /** What happens after the script. Default normal. */
  fallback?: Behaviour;
  /** Answer 401 unless `Authorization: Bearer <token>`. */
  token?: string;
  /** ETag to announce (default a strong tag of the content hash). */
  etag?: string | false;
  /** Bytes per write (default 64 KiB). */
  chunk?: number;
  /** Pause between writes in ms (paces the body; default none). */
  delayMs?: number;
}

export interface FileServer {
  readonly url: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** Body bytes sent in all. */
  readonly bytesServed: () => number;
  readonly script: Behaviour[];
  close(): Promise<void>;
}

/** Deterministic test content. */
export function makeContent(size: number, seed = 1): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer[i] = x & 0xff;
  }
  return buffer;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The `bytes=a-b` / `bytes=a-` range of a request, clamped to `size`; undefined for anything else. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  const match = header ? /^bytes=(\d+)-(\d*)$/.exec(header) : null;
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return { start, end };
}

/**
 * A loopback HTTP server for one file that misbehaves on purpose, following `script`. Honours
 * Range and If-Range (ETag) when behaving normally.
 */
export async function startFileServer(content: Buffer, options: FileServerOptions = {}): Promise<FileServer> {
  const script = [...(options.script ?? [])];
  const fallback = options.fallback ?? { kind: 'normal' };
  const etag = options.etag === false ? undefined : (options.etag ?? `"${sha256(content).slice(0, 16)}"`);
  const chunkSize = options.chunk ?? 64 * 1024;
  const requests: SeenRequest[] = [];
  let served = 0;
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    const seen: SeenRequest = {
      url: req.url ?? '',
      headers: req.headers,
      range: req.headers.range,
      status: 0,
      bodyBytes: 0,
    };
    requests.push(seen);
    const behaviour = script.shift() ?? fallback;
    const send = (
      status: number,
      headers: Record<string, string | number>,
      body: Buffer,
      limit?: number,
      hang = false,
    ) => {
      seen.status = status;
      res.writeHead(status, headers);
      const end = limit === undefined ? body.length : Math.min(limit, body.length);
      let offset = 0;
      const pump = () => {
        while (offset < end) {
          if (res.destroyed || res.socket?.destroyed) return;
          const slice = body.subarray(offset, Math.min(end, offset + chunkSize));
          offset += slice.length;
          seen.bodyBytes += slice.length;
          served += slice.length;
          const flowing = res.write(slice);
          if (options.delayMs && offset < end) {
            setTimeout(pump, options.delayMs);
            return;
          }
          if (!flowing) {
            res.once('drain', pump);
            return;
          }
        }
        if (limit === undefined) res.end();
        else if (!hang) setTimeout(() => res.socket?.destroy(), 5);
      };
      pump();
    };
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      send(401, { 'content-length': 0, 'www-authenticate': 'Bearer' }, Buffer.alloc(0));
      return;
    }
    const size = content.length;
    const base: Record<string, string | number> = {
      'accept-ranges': 'bytes',
      'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT',
    };
    if (etag) base.etag = etag;
    switch (behaviour.kind) {
      case 'status':
        send(behaviour.status, { 'content-length': 0, ...(behaviour.headers ?? {}) }, Buffer.alloc(0));
        return;
      case 'redirect':
        send(302, { location: behaviour.location, 'content-length': 0 }, Buffer.alloc(0));
        return;
      case '416':
        send(416, { 'content-range': `bytes */${size}`, 'content-length': 0 }, Buffer.alloc(0));
        return;
      case 'ignore-range':
        send(200, { ...base, 'content-length': size }, content, behaviour.cutAfter);
        return;
      default:
        break;
    }
    let body = content;
    if (behaviour.kind === 'flip') {
      body = Buffer.from(content);
      body[behaviour.index] = (body[behaviour.index] as number) ^ 0xff;
    }
    const ifRange = req.headers['if-range'];
    const range = parseRange(req.headers.range, size);
    const rangeValid =
      range && (ifRange === undefined || ifRange === etag || ifRange === base['last-modified']);
    if (range && rangeValid) {
      if (range.start >= size) {
        send(416, { 'content-range': `bytes */${size}`, 'content-length': 0 }, Buffer.alloc(0));
        return;
      }
      const shift = behaviour.kind === 'wrong-content-range' ? behaviour.shift : 0;
      const part = body.subarray(range.start, range.end + 1);
      const headers = {
        ...base,
        'content-length': part.length,
        'content-range': `bytes ${range.start + shift}-${range.end + shift}/${size}`,
      };
      if (behaviour.kind === 'cut') send(206, headers, part, behaviour.after);
      else if (behaviour.kind === 'stall') send(206, headers, part, behaviour.after, true);
      else send(206, headers, part);
      return;
    }
    const headers = { ...base, 'content-length': size };
    if (behaviour.kind === 'cut') send(200, headers, body, behaviour.after);
    else if (behaviour.kind === 'stall') send(200, headers, body, behaviour.after, true);
    else send(200, headers, body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/file.bin`,
    port,
    requests,
    bytesServed: () => served,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
