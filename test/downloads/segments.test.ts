import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import type { DownloadConnectionsInfo, DownloadProgress } from '../../src/events/downloadEvents.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';
import { type Origin, type OriginOptions, type OriginPlan, startOrigin } from '../support/origin-server.js';

const KiB = 1024;
const CHUNK = 256 * KiB;
const SIZE = 16 * CHUNK + 12_345;
const content = makeContent(SIZE, 61);
const digest = sha256(content);
const FILE = '/m/model.bin';

let root: string;
let cleanup: () => Promise<void>;
const origins: Origin[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-seg-'));
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const origin of origins.splice(0)) await origin.close();
  await cleanup();
});

async function origin(
  plan: OriginPlan = () => ({ kind: 'normal' }),
  options: OriginOptions = {},
): Promise<Origin> {
  const started = await startOrigin(new Map([[FILE, content]]), plan, {
    chunk: 16 * KiB,
    delayMs: 1,
    ...options,
  });
  origins.push(started);
  return started;
}

function make(options: DownloaderOptions = {}) {
  const downloader = new Downloader({
    chunkSize: CHUNK,
    segmentMinSize: 1024 * KiB,
    blockSize: 64 * KiB,
    retry: { delays: [10, 20, 40] },
    proxy: false,
    ...options,
  });
  downloaders.push(downloader);
  const connections: DownloadConnectionsInfo[] = [];
  const progress: DownloadProgress[] = [];
  downloader.on('download:connections', (event) => connections.push(event));
  downloader.on('download:progress', (event) => progress.push(event));
  return { downloader, connections, progress };
}

const dest = () => path.join(root, 'models', 'model.bin');

/** Ranges the origin was asked for, as [start, end] pairs. */
function ranges(from: Origin): [number, number][] {
  return from.requests
    .map((request) => /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? ''))
    .filter((match) => match !== null)
    .map((match) => [Number(match?.[1]), match?.[2] ? Number(match[2]) : SIZE - 1]);
}

describe('segmented downloads', () => {
  it('splits a large file over several connections and places it bit-exact', async () => {
    const server = await origin();
    const { downloader, connections, progress } = make();
    const result = await downloader.download({
      urls: [`${server.base}${FILE}`],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.sha256).toBe(digest);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
    expect(connections[0]?.change).toBe('split');
    expect(server.peakInFlight()).toBeGreaterThan(1);
    expect(Math.max(...progress.map((p) => p.connections))).toBeGreaterThan(1);
    // Bounded chunk requests after the first (open) one.
    expect(ranges(server).filter(([, end]) => end < SIZE - 1).length).toBeGreaterThan(4);
    console.log(server.requests.map((r) => r.headers.range).join(' '), server.bytesFor(FILE), SIZE);
  });
});
