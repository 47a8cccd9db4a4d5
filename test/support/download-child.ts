/**
 * Runs downloads in a child process (kill -9, two-process and fleet tests):
 * `node --import tsx test/support/download-child.ts '<json>'` with
 * `{ urls, dest, size?, sha256?, root?, blockSize?, lockStaleAfter?, options? }` for one file, or
 * `{ files: [{ urls, dest, size?, sha256? }], root?, options? }` for several at once; `options` are
 * further DownloaderOptions (plain JSON: connectionsPerFile, chunkSize, segmentMinSize, …). Prints
 * one JSON line per progress report (`{"progress":bytes}`, the sum over files), one per mirror
 * failover (`{"failover":…}`) and a final
 * `{"result":…}` (one file) / `{"results":[…]}` or `{"error":…}` line.
 */
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';

interface ChildFile {
  urls: string[];
  dest: string;
  size?: number;
  sha256?: string;
}

interface ChildArgs extends Partial<ChildFile> {
  files?: ChildFile[];
  root?: string;
  blockSize?: number;
  lockStaleAfter?: number;
  options?: DownloaderOptions;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const downloader = new Downloader({
  ...(args.blockSize !== undefined ? { blockSize: args.blockSize } : {}),
  ...(args.lockStaleAfter !== undefined ? { lockStaleAfter: args.lockStaleAfter } : {}),
  retry: { delays: [50, 100, 200] },
  stallTimeout: 5000,
  ...args.options,
});
// Why a mirror was given up on (for tests that expect, or rule out, a failover).
downloader.on('download:mirror-failover', (failover) =>
  process.stdout.write(`${JSON.stringify({ failover })}\n`),
);
const files: ChildFile[] = args.files ?? [
  { urls: args.urls ?? [], dest: args.dest ?? '', size: args.size, sha256: args.sha256 } as ChildFile,
];
const bytes = new Map<string, number>();
try {
  const results = await Promise.all(
    files.map((file) =>
      downloader.download(
        {
          urls: file.urls,
          dest: file.dest,
          ...(file.size !== undefined ? { size: file.size } : {}),
          ...(file.sha256 !== undefined ? { sha256: file.sha256 } : {}),
          ...(args.root !== undefined ? { root: args.root } : {}),
        },
        {
          onProgress: (progress) => {
            bytes.set(file.dest, progress.bytes);
            const sum = [...bytes.values()].reduce((a, b) => a + b, 0);
            process.stdout.write(`${JSON.stringify({ progress: sum })}\n`);
          },
        },
      ),
    ),
  );
  const line = args.files ? { results } : { result: results[0] };
  process.stdout.write(`${JSON.stringify(line)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
  process.exitCode = 1;
} finally {
  downloader.close();
}
