import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback server for ModelAvailability tests: serves files by URL path (Range supported),
 * counts GET requests per path, can hold every file response until `release()` (so that callers
 * provably join a download in flight), and answers JSON routes (the Hub model API).
 */
export class AvailabilityServer {
  readonly files = new Map<string, Buffer>();
  readonly json = new Map<string, unknown>();
  /** GET requests per decoded path (query string excluded). */
  readonly hits = new Map<string, number>();
  /** Authorization header of each JSON request. */
  readonly jsonAuth: (string | undefined)[] = [];
  #held: (() => void)[] = [];
  #holding = false;
  #server: http.Server | undefined;
  readonly #sockets = new Set<Socket>();
  url = '';

  /** Hold file responses from now on until release(). */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    for (const go of this.#held.splice(0)) go();
  }

  /** File requests waiting on hold. */
  get waiting(): number {
    return this.#held.length;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = decodeURIComponent(url.pathname);
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      if (this.json.has(path)) {
        this.jsonAuth.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.json.get(path)));
        return;
      }
      const body = this.files.get(path);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      const send = () => {
        const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        if (range && start < body.length) {
          res.writeHead(206, {
            'content-length': body.length - start,
            'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
            etag,
          });
          res.end(body.subarray(start));
        } else {
          res.writeHead(200, { 'content-length': body.length, etag, 'accept-ranges': 'bytes' });
          res.end(body);
        }
      };
      if (this.#holding) this.#held.push(send);
      else send();
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** Deterministic content. */
export function availabilityContent(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 + 7;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
