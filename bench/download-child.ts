/**
 * One benchmark run of the Downloader in its own process (bundled to plain JS by bench/download.ts
 * so no loader skews time or memory). Argument: JSON `{ urls, dests, size, sha256, concurrency }`.
 * Prints `{ seconds, maxRssBytes, results }`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Downloader } from '../src/downloads/Downloader.js';
import { ConnectionPool } from '../src/downloads/http1/pool.js';
import { request } from '../src/downloads/http1/request.js';

interface Args {
  urls: string[];
  dests: string[];
  size: number;
  sha256: string;
  concurrency?: number;
  /** Only read the body with node:http (the floor of the HTTP layer): no hash, no write. */
  readOnly?: boolean;
  /** Only read the body with the Downloader's own HTTP/1.1 client into one reused 4 MiB block. */
  clientReadOnly?: boolean;
  /** A CA certificate (PEM file) to trust for https URLs. */
  ca?: string;
  /** Connections per file (default: the Downloader's). */
  connectionsPerFile?: number;
  /** Print `{"progress":bytes}` lines while downloading (the kill -9 scenario watches them). */
  progress?: boolean;
}

function report(seconds: number, bytes: number): never {
  process.stdout.write(
    `${JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, results: [{ bytesTransferred: bytes, attempts: 1, resumed: false }] })}\n`,
  );
  process.exit(0);
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
if (args.readOnly) {
  const started = performance.now();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    http
      .get(args.urls[0] as string, (response) => {
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        response.on('end', resolve);
        response.on('error', reject);
      })
      .on('error', reject);
  });
  report((performance.now() - started) / 1000, bytes);
}
if (args.clientReadOnly) {
  const started = performance.now();
  const pool = new ConnectionPool();
  const block = Buffer.allocUnsafe(4 * 1024 * 1024);
  let fill = 0;
  const response = await request(new URL(args.urls[0] as string), {
    headers: {},
    signal: new AbortController().signal,
    pool,
    proxy: false,
    displayUrl: args.urls[0] as string,
  });
  const bytes = await response.pipe(
    {
      region: () => block.subarray(fill),
      commit: (n) => {
        fill = (fill + n) % block.length;
        return true;
      },
      write: () => true,
      onDrain: undefined,
      error: undefined,
    },
    {
      signal: new AbortController().signal,
      check: () => undefined,
      accepted: () => 0,
      held: () => {},
      touch: () => {},
    },
  );
  pool.destroy();
  report((performance.now() - started) / 1000, bytes);
}
const downloader = new Downloader({
  concurrency: args.concurrency ?? 4,
  proxy: false,
  ...(args.ca ? { tls: { ca: readFileSync(args.ca) } } : {}),
  retry: { delays: [10, 20, 40] },
  ...(args.connectionsPerFile !== undefined ? { connectionsPerFile: args.connectionsPerFile } : {}),
});
const started = performance.now();
const results = await Promise.all(
  args.dests.map((dest, index) =>
    downloader.download(
      {
        urls: [args.urls[index % args.urls.length] as string],
        dest,
        size: args.size,
        sha256: args.sha256,
      },
      args.progress
        ? { onProgress: (p) => process.stdout.write(`${JSON.stringify({ progress: p.bytes })}\n`) }
        : {},
    ),
  ),
);
const seconds = (performance.now() - started) / 1000;
downloader.close();
process.stdout.write(
  `${JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, results: results.map((r) => ({ bytesTransferred: r.bytesTransferred, attempts: r.attempts, resumed: r.resumed })) })}\n`,
);
