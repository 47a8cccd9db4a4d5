import { createHash } from 'node:crypto';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockWriter } from '../../src/downloads/blockWriter.js';
import { blockArena } from '../../src/downloads/directIo.js';
import { HasherPool } from '../../src/downloads/hashWorker.js';
import { resolveDownloaderOptions } from '../../src/downloads/options.js';
import { MetaWriter, readMeta } from '../../src/downloads/partialMeta.js';
import { checkChunkAnswer } from '../../src/downloads/segments/answer.js';
import { BusyTime } from '../../src/downloads/segments/busyTime.js';
import { type Chunk, ChunkMap } from '../../src/downloads/segments/chunkMap.js';
import { ChunkSink } from '../../src/downloads/segments/chunkSink.js';
import { ConnectionController } from '../../src/downloads/segments/controller.js';
import { IntervalSet } from '../../src/downloads/segments/intervals.js';
import { chunkStarts, segmentLayout } from '../../src/downloads/segments/layout.js';
import { OriginBudget } from '../../src/downloads/segments/originBudget.js';
import { SegmentedFile } from '../../src/downloads/segments/segmentedFile.js';
import { tempRoot } from '../support/download-helpers.js';
import { makeContent } from '../support/download-server.js';

let root: string;
let cleanup: () => Promise<void>;
const hashers = new HasherPool(2);

beforeAll(async () => {
  ({ root, cleanup } = await tempRoot('wan-seg-units-'));
});
afterAll(async () => {
  hashers.close();
  await cleanup();
});

describe('IntervalSet', () => {
  it('matches a set of positions under adds and truncations (property)', () => {
    const op = fc.oneof(
      fc.record({ add: fc.tuple(fc.nat(200), fc.nat(60)) }),
      fc.record({ truncate: fc.nat(260) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const set = new IntervalSet();
        const model = new Set<number>();
        for (const step of ops) {
          if ('add' in step) {
            const [start, length] = step.add;
            set.add(start, start + length);
            for (let i = start; i < start + length; i++) model.add(i);
          } else {
            set.truncate(step.truncate);
            for (const i of [...model]) if (i >= step.truncate) model.delete(i);
          }
        }
        expect(set.size).toBe(model.size);
        const ranges = set.toJSON();
        // Sorted, disjoint and not touching.
        for (let i = 1; i < ranges.length; i++)
          expect((ranges[i] as [number, number])[0]).toBeGreaterThan((ranges[i - 1] as [number, number])[1]);
        for (let p = 0; p < 270; p++) {
          let end = p;
          while (model.has(end)) end++;
          expect(set.reach(p)).toBe(end);
        }
      }),
    );
  });
});

describe('ChunkMap', () => {
  it('hands out the free chunk nearest the frontier and keeps what each chunk holds', () => {
    const held = new IntervalSet([
      [0, 250],
      [320, 350],
      [400, 500],
    ]);
    const map = new ChunkMap(1050, { chunkSize: 100, tailBytes: 0, tailChunkSize: 100 }, held);
    expect(map.chunks).toHaveLength(11);
    expect(map.chunks.map((c) => c.state).slice(0, 6)).toEqual([
      'done',
      'done',
      'free',
      'free',
      'done',
      'free',
    ]);
    expect(map.chunks[2]?.next).toBe(250);
    // After a hole nothing counts: 320–350 sits in chunk 3 but not from its start.
    expect(map.chunks[3]?.next).toBe(300);
    expect(map.contiguous).toBe(250);
    expect(map.received).toBe(250 + 0 + 100);
    const first = map.claim() as Chunk;
    expect(first.index).toBe(2);
    expect(map.claim()?.index).toBe(3);
    expect(map.claim()?.index).toBe(5);
    // The stream in chunk 5 may run on into 6 (free and untouched), not into 4 (done).
    expect(map.claimAfter(map.chunks[5] as Chunk)?.index).toBe(6);
    first.next = first.end;
    map.release(first);
    expect(first.state).toBe('done');
    expect(map.contiguous).toBe(300);
    expect(map.lowestFree()).toBe(700);
    expect(map.chunkAt(1049)?.index).toBe(10);
    expect(map.chunks[10]?.end).toBe(1050);
  });
});

describe('chunkStarts', () => {
  it('cuts the last round into smaller chunks so connections finish together', () => {
    const layout = { chunkSize: 100, tailBytes: 250, tailChunkSize: 25 };
    // 1000 bytes: the tail begins at the chunk boundary at or before 750.
    expect(chunkStarts(1000, layout)).toEqual([
      0, 100, 200, 300, 400, 500, 600, 700, 725, 750, 775, 800, 825, 850, 875, 900, 925, 950, 975,
    ]);
    expect(chunkStarts(120, layout)).toEqual([0, 25, 50, 75, 100]);
    const map = new ChunkMap(1000, layout, new IntervalSet());
    expect(map.chunkAt(0)?.index).toBe(0);
    expect(map.chunkAt(724)?.start).toBe(700);
    expect(map.chunkAt(725)?.end).toBe(750);
    expect(map.chunkAt(999)?.end).toBe(1000);
    expect(map.chunkAt(1000)).toBeUndefined();
    const derived = segmentLayout(resolveDownloaderOptions({}), 8);
    expect(derived).toMatchObject({
      chunkSize: 6 * 1024 * 1024,
      tailChunkSize: 1024 * 1024,
      window: 48 * 1024 * 1024,
    });
  });
});

describe('ConnectionController', () => {
  const make = (max: number, initial = 4) => {
    let now = 0;
    const controller = new ConnectionController({ max, initial }, () => now);
    return { controller, advance: (ms: number) => (now += ms) };
  };
  const sample = (bytes: number, connections: number, heldByUs = false) => ({
    bytes,
    elapsedMs: 250,
    connections,
    heldByUs,
  });

  it('doubles while throughput grows with the connections and stops when it does not', () => {
    const { controller } = make(16);
    expect(controller.target).toBe(4);
    expect(controller.tick(sample(4_000_000, 4))).toBe(8);
    // Twice the connections, twice the bytes: grow again.
    expect(controller.tick(sample(8_000_000, 8))).toBe(16);
    // Sixteen bring barely more than eight: stop there.
    expect(controller.tick(sample(8_400_000, 16))).toBe(16);
    expect(controller.plateau).toBe(true);
    expect(controller.tick(sample(20_000_000, 16))).toBe(16);
  });

  it('does not grow while our pipeline holds connections, nor before they all run', () => {
    const { controller } = make(8);
    expect(controller.tick(sample(4_000_000, 4, true))).toBe(4);
    expect(controller.tick(sample(4_000_000, 3))).toBe(4);
    expect(controller.tick(sample(4_000_000, 4))).toBe(8);
    const plateau = make(16);
    plateau.controller.tick(sample(4_000_000, 4));
    expect(plateau.controller.tick(sample(4_400_000, 8))).toBe(8);
    expect(plateau.controller.plateau).toBe(true);
  });

  it('halves the connections while hashing or the disk, not the network, is the bottleneck', () => {
    const { controller } = make(8);
    const bound = { ...sample(4_000_000, 4, true), pipelineBound: true };
    expect(controller.tick(bound)).toBe(2);
    expect(controller.tick(sample(4_000_000, 2))).toBe(2);
    expect(controller.tick(bound)).toBe(1);
    expect(controller.tick(bound)).toBe(1);
    // It does not grow back after that (more connections did not help).
    expect(controller.tick(sample(4_000_000, 1))).toBe(1);
  });

  it('halves on a rate limit, keeps that ceiling, and waits out Retry-After before opening more', () => {
    const { controller, advance } = make(8);
    controller.tick(sample(4_000_000, 4));
    expect(controller.rateLimited(8, 2000)).toBe(4);
    expect(controller.ceiling).toBe(4);
    expect(controller.mayOpen).toBe(false);
    advance(1999);
    expect(controller.mayOpen).toBe(false);
    expect(controller.tick(sample(1, 4))).toBe(4);
    advance(1);
    expect(controller.mayOpen).toBe(true);
    expect(controller.tick(sample(8_000_000, 4))).toBe(4);
    expect(controller.rateLimited(1, undefined)).toBe(1);
    expect(controller.failed()).toBe(1);
  });

  it('keeps the target between 1 and the option whatever happens (property)', () => {
    const event = fc.oneof(
      fc.record({ tick: fc.tuple(fc.nat(50_000_000), fc.integer({ min: 0, max: 40 }), fc.boolean()) }),
      fc.record({
        limited: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.nat(5000), { nil: undefined })),
      }),
      fc.constant({ failed: true as const }),
      fc.record({ wait: fc.nat(3000) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.array(event, { maxLength: 60 }), (max, events) => {
        const { controller, advance } = make(max);
        let ceiling = max;
        for (const e of events) {
          if ('tick' in e) controller.tick(sample(e.tick[0], e.tick[1], e.tick[2]));
          else if ('limited' in e) {
            controller.rateLimited(e.limited[0], e.limited[1]);
            ceiling = Math.min(ceiling, controller.target);
          } else if ('failed' in e) controller.failed();
          else advance(e.wait);
          expect(controller.target).toBeGreaterThanOrEqual(1);
          expect(controller.target).toBeLessThanOrEqual(ceiling);
        }
      }),
    );
  });
});

describe('OriginBudget', () => {
  it('shares an origin fairly and never refuses a file its first connection', () => {
    const budget = new OriginBudget(4);
    const a = budget.join('http://a');
    expect([a.tryAcquire(), a.tryAcquire(), a.tryAcquire(), a.tryAcquire()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(budget.total('http://a')).toBe(4);
    const b = budget.join('http://a');
    expect(budget.total('http://a')).toBe(5);
    // Two files: a share is 2; a holds 4 and the origin is full, so a gives back at its next chance.
    expect(a.overShare()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    a.release();
    a.release();
    expect(a.overShare()).toBe(false);
    // Room on the origin and b below its share of 2.
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    expect(budget.join('http://other').tryAcquire()).toBe(true);
    a.close();
    b.close();
    expect(budget.total('http://a')).toBe(0);
    // A file whose connections all ended gets one again, even on a full origin.
    const c = budget.join('http://c');
    const d = budget.join('http://c');
    c.tryAcquire();
    c.tryAcquire();
    d.release();
    expect(d.count).toBe(0);
    expect(d.tryAcquire()).toBe(true);
  });
});

describe('checkChunkAnswer', () => {
  const ask = (status: number, headers: Record<string, string>, start = 100, end = 199) =>
    checkChunkAnswer({ status, headers, start, end, total: 1000, etag: '"e1"', lastModified: undefined });

  it('accepts only a 206 for exactly the asked start, within the asked end, of the same file', () => {
    expect(ask(206, { 'content-range': 'bytes 100-199/1000', 'content-length': '100' })).toEqual({
      kind: 'body',
      start: 100,
      end: 199,
    });
    expect(ask(206, { 'content-range': 'bytes 100-149/1000', etag: '"e1"' })).toEqual({
      kind: 'body',
      start: 100,
      end: 149,
    });
    expect(ask(206, { 'content-range': 'bytes 104-199/1000' }).kind).toBe('bad');
    expect(ask(206, { 'content-range': 'bytes 100-299/1000' }).kind).toBe('bad');
    expect(ask(206, { 'content-range': 'bytes 100-199/1000', 'content-length': '99' }).kind).toBe('bad');
    expect(ask(206, {}).kind).toBe('bad');
    expect(ask(416, { 'content-range': 'bytes */1000' }).kind).toBe('bad');
    expect(ask(200, { 'content-length': '1000' }).kind).toBe('ignored');
    expect(ask(200, { etag: '"e2"' }).kind).toBe('changed');
    expect(ask(206, { 'content-range': 'bytes 100-199/1001' }).kind).toBe('changed');
  });
});

describe('meta file', () => {
  it('reads damaged ranges as "nothing kept", never as "the file is a prefix"', async () => {
    const file = path.join(root, 'damaged.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        urlKey: 'k',
        segments: [
          [0, 10],
          [5, 20],
        ],
      }),
    );
    expect((await readMeta(file))?.segments).toEqual([]);
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        urlKey: 'k',
        segments: [
          [0, 10],
          [20, 30],
        ],
      }),
    );
    expect((await readMeta(file))?.segments).toEqual([
      [0, 10],
      [20, 30],
    ]);
    await writeFile(file, JSON.stringify({ version: 1, urlKey: 'k' }));
    expect((await readMeta(file))?.segments).toBeUndefined();
  });

  it('folds frequent writes into few, ends with the last state and leaves no temp file', async () => {
    const file = path.join(root, 'writer.json');
    const writer = new MetaWriter(file);
    const writes = Array.from({ length: 50 }, (_, i) =>
      writer.write({ version: 1, urlKey: 'k', segments: [[0, i + 1]] }),
    );
    await Promise.all(writes);
    await writer.idle();
    expect(JSON.parse(await readFile(file, 'utf8')).segments).toEqual([[0, 50]]);
    expect((await readdir(root)).filter((name) => name.startsWith('writer.json.'))).toEqual([]);
  });
});

describe('SegmentedFile with chunk sinks', () => {
  /**
   * Several simulated connections fill a file chunk by chunk in a random schedule (random piece
   * sizes, lent regions or copies, some connections giving up mid-chunk). The hash must come out
   * as the file's, the file bit-exact, and the bytes held ahead of the frontier within the window.
   */
  it('hashes in order and stays within its window whatever the arrival order (property)', async () => {
    const blockSize = 16 * 1024;
    const chunkSize = 48 * 1024;
    const window = 96 * 1024;
    const content = makeContent(700 * 1024 + 333, 63);
    const digest = createHash('sha256').update(content).digest('hex');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.nat(4), fc.integer({ min: 1, max: 40_000 }), fc.boolean(), fc.nat(30)), {
          minLength: 20,
          maxLength: 200,
        }),
        async (connections, schedule) => {
          const part = path.join(root, `sim-${run++}.part`);
          await writeFile(part, '');
          const handle = await open(part, 'r+');
          const hasher = hashers.acquire(undefined);
          const file = new SegmentedFile({
            path: part,
            total: content.length,
            layout: { chunkSize, tailBytes: 2 * chunkSize, tailChunkSize: blockSize },
            blockSize,
            window,
            writer: new BlockWriter(handle, undefined),
            hasher,
            blocks: blockArena(blockSize, window / blockSize + connections + 2),
            present: new IntervalSet(),
            hashed: 0,
            persist: async () => {},
          });
          const sinks: (ChunkSink | undefined)[] = Array.from({ length: connections }, () => undefined);
          const waiting = new Set<number>();
          let peakHeld = 0;
          let step = 0;
          try {
            for (let guard = 0; !file.map.complete && guard < 200_000; guard++) {
              const [who, size, lend, giveUp] = schedule[step++ % schedule.length] as [
                number,
                number,
                boolean,
                number,
              ];
              const index = who % connections;
              if (waiting.has(index)) {
                if (waiting.size === sinks.filter(Boolean).length) {
                  // Everyone waits for memory: the one furthest ahead moves nearer the frontier
                  // when a chunk there has nobody (what the run's unstick does).
                  const lowest = file.map.lowestFree();
                  const ahead = [...waiting].sort(
                    (a, b) => (sinks[b]?.received ?? 0) - (sinks[a]?.received ?? 0),
                  )[0] as number;
                  const sink = sinks[ahead] as ChunkSink;
                  if (lowest !== undefined && sink.received > lowest) {
                    sink.detach();
                    file.map.release(sink.chunk);
                    sinks[ahead] = undefined;
                    waiting.delete(ahead);
                  }
                }
                // Writes and hashes finish on other threads: let them report.
                await new Promise((resolve) => setImmediate(resolve));
                continue;
              }
              let sink = sinks[index];
              if (!sink) {
                const chunk = file.map.claim();
                if (!chunk) {
                  await new Promise((resolve) => setImmediate(resolve));
                  continue;
                }
                sink = new ChunkSink(
                  file,
                  chunk,
                  () => 'stop',
                  () => {},
                );
                sinks[index] = sink;
              }
              const chunk = sink.chunk;
              if (giveUp === 0) {
                // The connection is cut: its bytes stay with the chunk for whoever goes on.
                sink.detach();
                file.map.release(chunk);
                sinks[index] = undefined;
                continue;
              }
              const at = chunk.next;
              const want = Math.min(size, chunk.end - at);
              let room: boolean;
              const region = lend ? sink.region() : undefined;
              if (region) {
                const n = Math.min(want, region.length);
                content.copy(Buffer.from(region.buffer, region.byteOffset, region.length), 0, at, at + n);
                room = sink.commit(n);
              } else room = sink.write(content.subarray(at, at + want));
              peakHeld = Math.max(peakHeld, file.frontier.heldBytes);
              if (chunk.next === chunk.end && sink.chunk === chunk) {
                await sink.placedAll();
                sink.detach();
                file.map.release(chunk);
                sinks[index] = undefined;
              } else if (!room) {
                waiting.add(index);
                sink.onDrain = () => waiting.delete(index);
              }
            }
            expect(file.map.complete).toBe(true);
            await file.flush();
            expect(file.frontier.position).toBe(content.length);
            expect(await hasher.digest()).toBe(digest);
            expect(peakHeld).toBeLessThanOrEqual(window + blockSize);
            expect(file.written.toJSON()).toEqual([[0, content.length]]);
          } finally {
            await file.close(false);
            hasher.release();
            await handle.close();
          }
          expect((await readFile(part)).equals(content)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('what counts as our pipeline being the bottleneck', () => {
  it('BusyTime adds up the time work was in flight, also work still running at a reading', () => {
    let now = 0;
    const busy = new BusyTime(() => now);
    busy.start();
    now = 30;
    busy.start(); // more work while busy: still one busy stretch
    now = 40;
    busy.stop();
    now = 100;
    expect(busy.take()).toBe(40);
    expect(busy.take()).toBe(0);
    busy.start();
    now = 150;
    expect(busy.take()).toBe(50); // in flight at the reading
    now = 170;
    busy.stop();
    expect(busy.take()).toBe(20);
  });

  it('a connection too far ahead of the frontier waits, but not because of hashing or the disk', async () => {
    const blockSize = 16 * 1024;
    const part = path.join(root, 'far-ahead.part');
    await writeFile(part, '');
    const handle = await open(part, 'r+');
    const hasher = hashers.acquire(undefined);
    try {
      const file = new SegmentedFile({
        path: part,
        total: 1024 * 1024,
        layout: { chunkSize: 64 * 1024, tailBytes: 0, tailChunkSize: 64 * 1024 },
        blockSize,
        window: 128 * 1024,
        writer: new BlockWriter(handle, undefined),
        hasher,
        blocks: blockArena(blockSize, 16),
        present: new IntervalSet(),
        hashed: 0,
        persist: async () => {},
      });
      expect(file.takeBlock(512 * 1024)).toBeUndefined();
      expect(file.pipelineWaits).toBe(0);
      expect(file.takeBlock(64 * 1024)).toBeDefined();
      // Nothing was hashed or written: neither was busy.
      expect(file.pipelineBusy(250, 0.85)).toBe(false);
      await file.close(false);
    } finally {
      hasher.release();
      await handle.close();
    }
  });
});
