import net, { type AddressInfo } from 'node:net';

/** One request head as a raw server read it. */
export interface RawRequest {
  readonly method: string;
  readonly target: string;
  /** Lower-case names, last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** Index of the TCP connection it came on (0-based, in accept order). */
  readonly connection: number;
  /** Index of the request on its connection (0-based). */
  readonly onConnection: number;
  /** Index of the request on the server (0-based). */
  readonly index: number;
}

/**
 * Answers one request by writing raw bytes to `socket` (so framing is fully controlled). Requests
 * on one connection are answered one after the other: the next waits for the returned promise.
 */
export type RawHandler = (socket: net.Socket, request: RawRequest) => void | Promise<void>;

export interface RawServer {
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** TCP connections open now. */
  readonly openConnections: () => number;
  readonly requests: RawRequest[];
  /** Resolves once the server side of connection `index` has closed. */
  closedConnection(index: number): Promise<void>;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that parses request heads and lets `handler` write raw answers. */
export async function startRawServer(handler: RawHandler, path = '/file.bin'): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const requests: RawRequest[] = [];
  const closed: Promise<void>[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    closed[connection] = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => sockets.delete(socket));
    // Peers that go away mid-answer are expected in these tests.
    socket.on('error', () => {});
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let onConnection = 0;
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = buffered.subarray(0, end).toString('latin1');
        buffered = buffered.subarray(end + 4);
        const [line = '', ...fields] = text.split('\r\n');
        const [method = '', target = ''] = line.split(' ');
        const headers: Record<string, string> = {};
        for (const field of fields) {
          const colon = field.indexOf(':');
          headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
        }
        const request: RawRequest = {
          method,
          target,
          headers,
          connection,
          onConnection: onConnection++,
          index: requests.length,
        };
        requests.push(request);
        queue = queue.then(() => (socket.destroyed ? undefined : handler(socket, request)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    connections: () => connections,
    openConnections: () => sockets.size,
    requests,
    closedConnection: (index) => closed[index] ?? Promise.reject(new Error(`no connection ${index}`)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Writes `data`, resolving once it was handed to the kernel (waits for 'drain' when needed). */
export function writeAll(socket: net.Socket, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    if (socket.write(data)) resolve();
    else {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    }
  });
}

/** Writes `data` in pieces of `size` bytes, pausing `pause()` between them. */
export async function writeInPieces(
  socket: net.Socket,
  data: Uint8Array,
  size: number,
  pause: (index: number) => Promise<void> | undefined = () => undefined,
): Promise<void> {
  for (let at = 0, i = 0; at < data.length && !socket.destroyed; at += size, i++) {
    await writeAll(socket, data.subarray(at, at + size));
    const wait = pause(i);
    if (wait) await wait;
  }
}

/** `HTTP/1.1 200 OK` head with the given header lines (CRLF line ends, blank line included). */
export function rawHead(status: string, lines: readonly string[] = []): string {
  return `${[status, ...lines].join('\r\n')}\r\n\r\n`;
}
