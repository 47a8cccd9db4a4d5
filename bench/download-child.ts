/**
 * One benchmark run of the Downloader in its own process (bundled to plain JS by bench/download.ts
 * so no loader skews time or memory). Argument: JSON `{ urls, dests, size, sha256, concurrency }`.
 * Prints `{ seconds, maxRssBytes, results }`.
 */
import { Downloader } from '../src/download/Downloader.js';

interface Args {
  urls: string[];
  dests: string[];
  size: number;
  sha256: string;
  concurrency?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const downloader = new Downloader({
  concurrency: args.concurrency ?? 4,
  proxy: false,
  retry: { delays: [10, 20, 40] },
});
const started = performance.now();
const results = await Promise.all(
  args.dests.map((dest, index) =>
    downloader.download({
      urls: [args.urls[index % args.urls.length] as string],
      dest,
      size: args.size,
      sha256: args.sha256,
    }),
  ),
);
const seconds = (performance.now() - started) / 1000;
downloader.close();
process.stdout.write(
  `${JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, results: results.map((r) => ({ bytesTransferred: r.bytesTransferred, attempts: r.attempts, resumed: r.resumed })) })}\n`,
);
