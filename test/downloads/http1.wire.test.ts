import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { routeFor } from '../../src/downloads/http1/connect.js';
import { Connection } from '../../src/downloads/http1/connection.js';
import { ConnectionPool } from '../../src/downloads/http1/pool.js';
import { request } from '../../src/downloads/http1/request.js';
import type { BodyControl, BodySink } from '../../src/downloads/http1/response.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import { ProtocolError } from '../../src/errors/ProtocolError.js';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import {
  delay,
  nextTurn,
  type RawHandler,
  type RawServer,
  rawHead,
  startRawServer,
  writeAll,
  writeInPieces,
} from '../support/raw-server.js';

let root: string;
let cleanup: () => Promise<void>;
const servers: RawServer[] = [];
const downloaders: Downloader[] = [];
const pools: ConnectionPool[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-http1-'));
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const pool of pools.splice(0)) pool.destroy();
  for (const server of servers.splice(0)) await server.close();
  await cleanup();
});

async function serve(handler: RawHandler): Promise<RawServer> {
  const server = await startRawServer(handler);
  servers.push(server);
  return server;
}

function make(options: DownloaderOptions = {}): { downloader: Downloader; events: { name: string }[] } {
  const downloader = new Downloader({
    proxy: false,
    retry: { delays: [10, 20] },
    breaker: false,
    ...options,
  });
  downloaders.push(downloader);
  const events: { name: string }[] = [];
  const names: (keyof DownloadEvents)[] = ['download:retry', 'download:mirror-failover', 'download:restart'];
  for (const name of names) downloader.on(name, (payload: object) => events.push({ name, ...payload }));
  return { downloader, events };
}

/** Each download gets its own folder, so nothing but its file may sit beside it. */
function dest(name = 'model'): string {
  return path.join(root, 'models', name, 'model.bin');
}

async function expectExact(file: string, content: Buffer): Promise<void> {
  expect(await expectExactOrAbsent(file, content)).toBe('exact');
  await expectNoTempBeside(file);
}

/** Answers with `Content-Length` framing, head and body in one write. */
function answerWithLength(
  socket: net.Socket,
  content: Buffer,
  status = 'HTTP/1.1 200 OK',
  lines: readonly string[] = [],
  length = content.length,
): Promise<void> {
  const head = rawHead(status, [`Content-Length: ${length}`, ...lines]);
  return writeAll(socket, Buffer.concat([Buffer.from(head), content]));
}

/** A handler answering every request with `Content-Length` framing. */
const lengthAnswer =
  (content: Buffer): RawHandler =>
  (socket) =>
    answerWithLength(socket, content);

/** Chunked encoding of `content` cut at the given sizes (cycled), each chunk with an extension. */
function chunked(content: Buffer, sizes: readonly number[], trailers: readonly string[] = []): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < content.length; i++) {
    const size = Math.min(sizes[i % sizes.length] ?? 1, content.length - at);
    const extension = i % 3 === 1 ? ';name="some value";flag' : '';
    parts.push(
      Buffer.from(`${size.toString(16)}${extension}\r\n`),
      content.subarray(at, at + size),
      Buffer.from('\r\n'),
    );
    at += size;
  }
  parts.push(Buffer.from(`0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

/** Every error reachable from `error` through `cause`, `failures[].error` and `errors[]`. */
function errorChain(error: unknown, seen = new Set<unknown>()): unknown[] {
  if (error === undefined || error === null || seen.has(error)) return [];
  seen.add(error);
  const found: unknown[] = [error];
  if (typeof error === 'object') {
    const { cause, failures, errors } = error as { cause?: unknown; failures?: unknown; errors?: unknown };
    found.push(...errorChain(cause, seen));
    if (Array.isArray(failures))
      for (const failure of failures) found.push(...errorChain((failure as { error?: unknown }).error, seen));
    if (Array.isArray(errors)) for (const inner of errors) found.push(...errorChain(inner, seen));
  }
  return found;
}

describe('HTTP/1.1 framing on the wire', () => {
  it('downloads a chunked body (odd chunk sizes, extensions, a trailer) exactly', async () => {
    const content = makeContent(300_001, 11);
    const body = chunked(content, [1, 7, 4093, 65_537, 3, 100_000, 2], ['X-Checksum: ignored', 'Expires: 0']);
    const server = await serve(async (socket) => {
      await writeAll(socket, rawHead('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked', 'Content-Type: x/y']));
      // Arbitrary write boundaries, unrelated to the chunk boundaries.
      await writeInPieces(socket, body, 12_345, (i) => (i % 4 === 0 ? nextTurn() : undefined));
    });
    const { downloader, events } = make();
    const result = await downloader.download({ urls: [server.url], dest: dest(), root });
    expect(result).toMatchObject({
      bytes: content.length,
      sha256: sha256(content),
      url: server.url,
      attempts: 1,
    });
    expect(events).toEqual([]);
    await expectExact(dest(), content);
  });

  it.each([
    ['HTTP/1.1 without Content-Length', 'HTTP/1.1 200 OK', []],
    ['HTTP/1.1 with connection: close', 'HTTP/1.1 200 OK', ['Connection: close']],
    ['HTTP/1.0', 'HTTP/1.0 200 OK', []],
  ])('reads a body delimited by the server closing (%s)', async (_name, status, lines) => {
    const content = makeContent(1024 * 1024 + 17, 12);
    const server = await serve(async (socket) => {
      await writeAll(socket, rawHead(status, lines));
      await writeInPieces(socket, content, 16_384);
      socket.end();
    });
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: content.length,
      sha256: sha256(content),
      root,
    });
    expect(result).toMatchObject({ bytes: content.length, attempts: 1 });
    expect(events).toEqual([]);
    await expectExact(dest(), content);
  });

  it('does not take a close-delimited body that ended early; the retry completes the file', async () => {
    const content = makeContent(200_000, 13);
    const server = await serve(async (socket, req) => {
      await writeAll(socket, rawHead('HTTP/1.1 200 OK'));
      // The first answer stops halfway (the server closes early); later ones are whole.
      await writeAll(socket, req.index === 0 ? content.subarray(0, 90_000) : content);
      socket.end();
    });
    const { downloader } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      size: content.length,
      sha256: sha256(content),
      root,
    });
    expect(result.sha256).toBe(sha256(content));
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    await expectExact(dest(), content);
  });

  it.each([
    ['in one write', false],
    ['in separate writes', true],
  ])('skips 100 Continue and 103 Early Hints before the 200 (%s)', async (_name, separate) => {
    const content = makeContent(100_003, 14);
    const interim = [
      rawHead('HTTP/1.1 100 Continue'),
      rawHead('HTTP/1.1 103 Early Hints', ['Link: </style.css>; rel=preload; as=style', 'Content-Length: 7']),
      rawHead('HTTP/1.1 200 OK', [`Content-Length: ${content.length}`]),
    ];
    const server = await serve(async (socket) => {
      if (separate) {
        for (const part of interim) {
          await writeAll(socket, part);
          await delay(5);
        }
        await writeAll(socket, content);
      } else await writeAll(socket, Buffer.concat([Buffer.from(interim.join('')), content]));
    });
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      sha256: sha256(content),
      root,
    });
    expect(result.attempts).toBe(1);
    expect(events).toEqual([]);
    await expectExact(dest(), content);
  });

  it.each([
    ['Content-Length', false],
    ['chunked', true],
  ])('reads a head and body (%s) dribbled one byte per write', async (_name, isChunked) => {
    const content = makeContent(3 * 1024 + 5, 15);
    const head = isChunked
      ? rawHead('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked', 'X-Folded: a,', ' b'])
      : rawHead('HTTP/1.1 200 OK', [`Content-Length: ${content.length}`, 'X-Folded: a,', ' b']);
    const body = isChunked ? chunked(content, [5, 300, 1, 1000], ['T: 1']) : content;
    const server = await serve(async (socket) => {
      socket.setNoDelay(true);
      // The head with a real pause after every byte, the body with one every 128 bytes.
      await writeInPieces(socket, Buffer.from(head), 1, () => delay(1));
      await writeInPieces(socket, body, 1, (i) => (i % 128 === 127 ? delay(1) : nextTurn()));
    });
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [server.url],
      dest: dest(),
      sha256: sha256(content),
      root,
    });
    expect(result.attempts).toBe(1);
    expect(events).toEqual([]);
    await expectExact(dest(), content);
  });
});

describe('protocol errors', () => {
  it('fails over from a mirror sending conflicting Content-Length headers', async () => {
    const content = makeContent(50_000, 16);
    const mirrorA = await serve((socket) =>
      answerWithLength(socket, content, 'HTTP/1.1 200 OK', [`Content-Length: ${content.length + 1}`]),
    );
    const mirrorB = await serve(lengthAnswer(content));
    const { downloader, events } = make();
    const result = await downloader.download({
      urls: [mirrorA.url, mirrorB.url],
      dest: dest(),
      sha256: sha256(content),
      root,
    });
    expect(result.url).toBe(mirrorB.url);
    expect(mirrorA.requests.length).toBeGreaterThanOrEqual(1);
    expect(mirrorB.requests.length).toBe(1);
    expect(events.some((event) => event.name === 'download:mirror-failover')).toBe(true);
    await expectExact(dest(), content);
  });

  it('rejects a response head over 64 KiB with ERR_HTTP_PROTOCOL and places no file', async () => {
    const content = makeContent(1000, 17);
    const pad = Array.from({ length: 1100 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(50)}`);
    const lines = [...pad, `Content-Length: ${content.length}`];
    expect(rawHead('HTTP/1.1 200 OK', lines).length).toBeGreaterThan(64 * 1024);
    const server = await serve((socket) => answerWithLength(socket, content, 'HTTP/1.1 200 OK', pad));
    const { downloader } = make();
    const error = await downloader
      .download({ urls: [server.url], dest: dest(), sha256: sha256(content), root })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    const protocol = errorChain(error).find((e): e is ProtocolError => e instanceof ProtocolError);
    expect(protocol, `no ProtocolError in the chain of ${String(error)}`).toBeDefined();
    expect(protocol?.code).toBe('ERR_HTTP_PROTOCOL');
    expect(protocol?.message).toMatch(/too large/);
    // Each attempt failed at the head: retried as a transient protocol error.
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(await expectExactOrAbsent(dest(), content)).toBe('absent');
  });
});

describe('keep-alive', () => {
  it('sends two sequential downloads over one TCP connection', async () => {
    const content = makeContent(200_000, 18);
    const server = await serve(lengthAnswer(content));
    const { downloader } = make();
    await downloader.download({ urls: [server.url], dest: dest('a.bin'), sha256: sha256(content), root });
    await downloader.download({ urls: [server.url], dest: dest('b.bin'), sha256: sha256(content), root });
    expect(server.connections()).toBe(1);
    expect(server.requests.map((r) => [r.connection, r.onConnection])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    await expectExact(dest('a.bin'), content);
    await expectExact(dest('b.bin'), content);
  });

  it('reuses an HTTP/1.0 connection only with Connection: keep-alive', async () => {
    const content = makeContent(10_000, 19);
    const plain = await serve((socket) => answerWithLength(socket, content, 'HTTP/1.0 200 OK'));
    const kept = await serve((socket) =>
      answerWithLength(socket, content, 'HTTP/1.0 200 OK', ['Connection: keep-alive']),
    );
    const { downloader } = make();
    for (const [server, name] of [
      [plain, 'p'],
      [kept, 'k'],
    ] as const) {
      await downloader.download({
        urls: [server.url],
        dest: dest(`${name}1.bin`),
        sha256: sha256(content),
        root,
      });
      await downloader.download({
        urls: [server.url],
        dest: dest(`${name}2.bin`),
        sha256: sha256(content),
        root,
      });
      await expectExact(dest(`${name}2.bin`), content);
    }
    expect(plain.connections()).toBe(2);
    expect(kept.connections()).toBe(1);
  });

  it('does not reuse a connection the server closed ~50 ms after answering', async () => {
    const content = makeContent(20_000, 20);
    const server = await serve(async (socket) => {
      await answerWithLength(socket, content);
      setTimeout(() => socket.end(), 50);
    });
    const { downloader, events } = make();
    await downloader.download({ urls: [server.url], dest: dest('a.bin'), sha256: sha256(content), root });
    // The first connection sits idle in the pool while the server closes it.
    await server.closedConnection(0);
    const second = await downloader.download({
      urls: [server.url],
      dest: dest('b.bin'),
      sha256: sha256(content),
      root,
    });
    expect(second.attempts).toBe(1);
    expect(events).toEqual([]);
    expect(server.connections()).toBe(2);
    expect(server.requests.map((r) => r.connection)).toEqual([0, 1]);
    await expectExact(dest('a.bin'), content);
    await expectExact(dest('b.bin'), content);
  });

  it('retries once on a fresh connection when a reused one is closed before answering', async () => {
    const content = makeContent(30_000, 21);
    const server = await serve(async (socket, req) => {
      // A keep-alive connection the server drops when the next request arrives (the race where it
      // timed out just as the client reused it): no byte of an answer.
      if (req.onConnection > 0) {
        socket.destroy();
        return;
      }
      await answerWithLength(socket, content);
    });
    const { downloader, events } = make();
    await downloader.download({ urls: [server.url], dest: dest('a.bin'), sha256: sha256(content), root });
    const second = await downloader.download({
      urls: [server.url],
      dest: dest('b.bin'),
      sha256: sha256(content),
      root,
    });
    // Retried inside the HTTP client: the download itself saw one attempt and no retry.
    expect(second.attempts).toBe(1);
    expect(events).toEqual([]);
    expect(server.requests.map((r) => [r.connection, r.onConnection])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    await expectExact(dest('a.bin'), content);
    await expectExact(dest('b.bin'), content);
  });

  it.each([
    ['a small body read with its head', 1_000],
    ['a large body read into the block pool', 300_000],
  ])('opens a new connection after extra bytes followed %s', async (_name, size) => {
    const content = makeContent(size, 22);
    const server = await serve((socket) =>
      answerWithLength(
        socket,
        Buffer.concat([
          content,
          Buffer.from(rawHead('HTTP/1.1 200 OK', ['Content-Length: 4'])),
          Buffer.from('JUNK'),
        ]),
        'HTTP/1.1 200 OK',
        [],
        content.length,
      ),
    );
    const { downloader } = make();
    await downloader.download({ urls: [server.url], dest: dest('a.bin'), sha256: sha256(content), root });
    await downloader.download({ urls: [server.url], dest: dest('b.bin'), sha256: sha256(content), root });
    // The second request never went over the connection that carried unasked bytes.
    expect(server.requests.map((r) => [r.connection, r.onConnection])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(server.connections()).toBe(2);
    await expectExact(dest('a.bin'), content);
    await expectExact(dest('b.bin'), content);
  });
});

/** A sink with little room: lends `regionSize`-byte regions, at most `max` unreleased at a time. */
class TinySink implements BodySink {
  onDrain: (() => void) | undefined;
  readonly error: Error | undefined = undefined;
  readonly chunks: Buffer[] = [];
  drains = 0;
  commits = 0;
  writes = 0;
  /** Bytes taken while the sink had said it was full (backpressure ignored). */
  overflow = 0;
  #pending: Uint8Array | undefined;
  #outstanding = 0;
  #full = false;

  constructor(
    readonly regionSize: number,
    readonly max: number,
    readonly release: () => Promise<void>,
  ) {}

  region(): Uint8Array | undefined {
    if (this.#outstanding >= this.max) return undefined;
    this.#pending ??= new Uint8Array(this.regionSize);
    return this.#pending;
  }

  commit(bytes: number): boolean {
    const region = this.#pending;
    if (!region) throw new Error('commit without a lent region');
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(region.length);
    this.#pending = undefined;
    this.commits++;
    return this.#take(Buffer.from(region.subarray(0, bytes)));
  }

  write(chunk: Buffer): boolean {
    this.writes++;
    return this.#take(Buffer.from(chunk));
  }

  #take(copy: Buffer): boolean {
    if (this.#full) this.overflow += copy.length;
    this.chunks.push(copy);
    this.#outstanding++;
    void this.release().then(() => {
      this.#outstanding--;
      if (this.#full && this.#outstanding < this.max) {
        this.#full = false;
        this.drains++;
        this.onDrain?.();
      }
    });
    if (this.#outstanding >= this.max) this.#full = true;
    return !this.#full;
  }
}

type Framing = 'length' | 'close' | 'chunked';

/** Serves `content` with `framing`, in writes of `writeSize` bytes (waiting for 'drain'). */
function bodyServer(content: Buffer, framing: Framing, writeSize: number): RawHandler {
  return async (socket: net.Socket) => {
    const lines =
      framing === 'length'
        ? [`Content-Length: ${content.length}`]
        : framing === 'chunked'
          ? ['Transfer-Encoding: chunked']
          : [];
    await writeAll(socket, rawHead('HTTP/1.1 200 OK', lines));
    const body = framing === 'chunked' ? chunked(content, [writeSize * 3 + 1, 17, 40_000]) : content;
    await writeInPieces(socket, body, writeSize);
    if (framing === 'close') socket.end();
  };
}

async function pipeThroughTinySink(
  url: string,
  pool: ConnectionPool,
  sink: TinySink,
): Promise<{ received: number; holds: number }> {
  const signal = new AbortController().signal;
  const response = await request(new URL(url), { headers: {}, signal, pool, proxy: false, displayUrl: url });
  expect(response.statusCode).toBe(200);
  let holds = 0;
  const control: BodyControl = {
    signal,
    check: () => undefined,
    accepted: () => 0,
    held: (held) => {
      if (held) holds++;
    },
    touch: () => {},
  };
  const received = await response.pipe(sink, control);
  return { received, holds };
}

const release = (ms: number) => (): Promise<void> => (ms === 0 ? nextTurn() : delay(ms));

describe('backpressure through request() + pipe()', () => {
  it('streams 2 MiB into 1000-byte regions, two at a time', async () => {
    const content = makeContent(2 * 1024 * 1024, 23);
    const server = await serve(bodyServer(content, 'length', 65_536));
    const pool = new ConnectionPool();
    pools.push(pool);
    const sink = new TinySink(1000, 2, release(0));
    const { received, holds } = await pipeThroughTinySink(server.url, pool, sink);
    expect(received).toBe(content.length);
    expect(Buffer.concat(sink.chunks).equals(content)).toBe(true);
    // It really waited for the sink (each wait paused reading once), read into lent regions, and
    // never handed the sink bytes while it was full.
    expect(sink.drains).toBeGreaterThanOrEqual(10);
    expect(holds - sink.drains).toBeGreaterThanOrEqual(0);
    expect(holds - sink.drains).toBeLessThanOrEqual(1);
    expect(sink.commits).toBeGreaterThan(0);
    expect(sink.overflow).toBe(0);
  });

  it('property: whatever the write size, region size, drain delay and framing, the bytes arrive exactly', async () => {
    const content = makeContent(2 * 1024 * 1024, 24);
    const seen = { runs: 0, drains: 0, commits: 0, writes: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 512, max: 65_536 }),
        fc.oneof(fc.integer({ min: 1000, max: 4096 }), fc.integer({ min: 4096, max: 131_072 })),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom<Framing>('length', 'close', 'chunked'),
        async (writeSize, regionSize, drainDelay, framing) => {
          // ~2 MiB, less for tiny regions so a run stays well under half a second.
          const size = Math.min(content.length, regionSize * 128);
          const body = content.subarray(0, size);
          const server = await startRawServer(bodyServer(body, framing, writeSize));
          const pool = new ConnectionPool();
          try {
            const sink = new TinySink(regionSize, 2, release(drainDelay));
            const { received, holds } = await pipeThroughTinySink(server.url, pool, sink);
            expect(received).toBe(size);
            expect(Buffer.concat(sink.chunks).equals(body)).toBe(true);
            // Every wait for room paused reading once (the last may still be pending at the end).
            expect(holds - sink.drains).toBeGreaterThanOrEqual(0);
            expect(holds - sink.drains).toBeLessThanOrEqual(1);
            if (framing !== 'chunked') expect(sink.overflow).toBe(0);
            seen.runs++;
            seen.drains += sink.drains;
            seen.commits += sink.commits;
            seen.writes += sink.writes;
          } finally {
            pool.destroy();
            await server.close();
          }
        },
      ),
      { numRuns: 15 },
    );
    // Backpressure happened (not necessarily in every run: a fast sink may never fill up).
    expect(seen.drains).toBeGreaterThan(seen.runs);
    expect(seen.commits).toBeGreaterThan(0);
    expect(seen.writes).toBeGreaterThan(0);
  });
});

/**
 * TLS inside a CONNECT tunnel ignores the `onread` option and emits 'data' chunks (up to 16 KiB
 * records) instead, which Connection.attach routes to the same handlers. These tests drive that
 * path by hand: a pooled connection whose socket "emits" the answer's bytes as 'data' chunks.
 */
describe("a connection fed by 'data' events (the CONNECT tunnel path)", () => {
  async function pooledConnection(): Promise<{ url: string; pool: ConnectionPool; socket: net.Socket }> {
    const server = await serve(() => undefined);
    const url = server.url;
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const connection = new Connection(routeFor(new URL(url), false).key);
    connection.attach(socket);
    const pool = new ConnectionPool();
    pools.push(pool);
    pool.give(connection);
    return { url, pool, socket };
  }

  const padLines = (bytes: number): string =>
    Array.from(
      { length: Math.ceil(bytes / 100) },
      (_, i) => `X-Pad-${String(i).padStart(5, '0')}: ${'p'.repeat(85)}\r\n`,
    ).join('');

  it('reads a large head that arrives in uneven chunks', async () => {
    const { url, pool, socket } = await pooledConnection();
    const signal = new AbortController().signal;
    const pending = request(new URL(url), { headers: {}, signal, pool, proxy: false, displayUrl: url });
    const head = Buffer.from(`HTTP/1.1 200 OK\r\n${padLines(40_000)}Content-Length: 3\r\n\r\nabc`);
    socket.emit('data', head.subarray(0, 100));
    socket.emit('data', head.subarray(100, 16_484));
    socket.emit('data', head.subarray(16_484));
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(response.contentLength).toBe(3);
    response.destroy();
  });

  // A TLS socket inside a CONNECT tunnel delivers 'data' chunks (up to 16 KiB) that need not line up
  // with the 64 KiB scratch buffer: a head still incomplete near the end must fail cleanly, and a
  // chunk that carries the end of a large head plus body bytes must keep every body byte.
  it("a head over 64 KiB in 'data' chunks fails the request with a ProtocolError", async () => {
    const { url, pool, socket } = await pooledConnection();
    const signal = new AbortController().signal;
    const pending = request(new URL(url), { headers: {}, signal, pool, proxy: false, displayUrl: url });
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    const head = Buffer.from(`HTTP/1.1 200 OK\r\n${padLines(70_000)}\r\n`);
    let thrown: unknown;
    try {
      // A small record first, then full 16 KiB records: they do not line up with the 64 KiB scratch.
      socket.emit('data', head.subarray(0, 100));
      for (let at = 100; at < head.length; at += 16_384) socket.emit('data', head.subarray(at, at + 16_384));
    } catch (error) {
      thrown = error;
      socket.destroy();
    }
    expect(thrown).toBeUndefined();
    expect(await outcome).toBeInstanceOf(ProtocolError);
  });

  it('keeps body bytes delivered right after the head in the same tick (TLS records of one read)', async () => {
    const { url, pool, socket } = await pooledConnection();
    const signal = new AbortController().signal;
    const pending = request(new URL(url), { headers: {}, signal, pool, proxy: false, displayUrl: url });
    const body = makeContent(3000, 32);
    socket.emit(
      'data',
      Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
        body.subarray(0, 1000),
      ]),
    );
    // The reader asked to pause, but a TLS socket hands over the other records it already decrypted.
    socket.emit('data', body.subarray(1000, 2000));
    socket.emit('data', body.subarray(2000));
    const response = await pending;
    const sink = new TinySink(100_000, 1, release(0));
    const control: BodyControl = {
      signal,
      check: () => undefined,
      accepted: () => 0,
      held: () => {},
      touch: () => {},
    };
    expect(await response.pipe(sink, control)).toBe(body.length);
    expect(Buffer.concat(sink.chunks).equals(body)).toBe(true);
  });

  it("keeps the body bytes of a 'data' chunk that straddles the end of the scratch buffer", async () => {
    const { url, pool, socket } = await pooledConnection();
    const signal = new AbortController().signal;
    const pending = request(new URL(url), { headers: {}, signal, pool, proxy: false, displayUrl: url });
    const body = makeContent(5000, 31);
    const head = Buffer.from(`HTTP/1.1 200 OK\r\n${padLines(63_000)}Content-Length: ${body.length}\r\n\r\n`);
    const wire = Buffer.concat([head, body]);
    expect(head.length).toBeLessThan(65_536);
    expect(wire.length).toBeGreaterThan(65_536);
    socket.emit('data', wire.subarray(0, 60_000));
    socket.emit('data', wire.subarray(60_000));
    const response = await pending;
    expect(response.contentLength).toBe(body.length);
    const sink = new TinySink(100_000, 1, release(0));
    const control: BodyControl = {
      signal,
      check: () => undefined,
      accepted: () => 0,
      held: () => {},
      touch: () => {},
    };
    expect(await response.pipe(sink, control)).toBe(body.length);
    expect(Buffer.concat(sink.chunks).equals(body)).toBe(true);
  });
});

describe('IPv6 literal hosts', () => {
  it('connects to [::1] and sends the bracketed Host header', async (ctx) => {
    const server = net.createServer((socket) => {
      socket.once('data', (data) => {
        const host = /\r\nhost: ([^\r]*)\r\n/i.exec(data.toString('latin1'))?.[1] ?? '';
        socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${host.length}\r\nConnection: close\r\n\r\n${host}`);
      });
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) ctx.skip(); // no IPv6 loopback on this machine
    const port = (server.address() as net.AddressInfo).port;
    const pool = new ConnectionPool();
    pools.push(pool);
    const url = `http://[::1]:${port}/x`;
    const signal = new AbortController().signal;
    const response = await request(new URL(url), {
      headers: {},
      signal,
      pool,
      proxy: false,
      displayUrl: url,
    });
    const sink = new TinySink(1000, 1, release(0));
    const control: BodyControl = {
      signal,
      check: () => undefined,
      accepted: () => 0,
      held: () => {},
      touch: () => {},
    };
    await response.pipe(sink, control);
    expect(Buffer.concat(sink.chunks).toString()).toBe(`[::1]:${port}`);
    await new Promise((resolve) => server.close(resolve));
  });
});
