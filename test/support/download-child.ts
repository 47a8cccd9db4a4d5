/**
 * Runs one download in a child process (for kill -9 and two-process tests):
 * `node --import tsx test/support/download-child.ts '<json>'` with
 * `{ urls, dest, size?, sha256?, root?, blockSize?, lockStaleAfter? }`. Prints one JSON line per
 * progress report (`{"progress":bytes}`) and a final `{"result":…}` or `{"error":…}` line.
 */
import { Downloader } from '../../src/downloads/Downloader.js';

interface ChildArgs {
  urls: string[];
  dest: string;
  size?: number;
  sha256?: string;
  root?: string;
  blockSize?: number;
  lockStaleAfter?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const downloader = new Downloader({
  ...(args.blockSize !== undefined ? { blockSize: args.blockSize } : {}),
  ...(args.lockStaleAfter !== undefined ? { lockStaleAfter: args.lockStaleAfter } : {}),
  retry: { delays: [50, 100, 200] },
  stallTimeout: 5000,
});
try {
  const result = await downloader.download(
    {
      urls: args.urls,
      dest: args.dest,
      ...(args.size !== undefined ? { size: args.size } : {}),
      ...(args.sha256 !== undefined ? { sha256: args.sha256 } : {}),
      ...(args.root !== undefined ? { root: args.root } : {}),
    },
    { onProgress: (progress) => process.stdout.write(`${JSON.stringify({ progress: progress.bytes })}\n`) },
  );
  process.stdout.write(`${JSON.stringify({ result })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
  process.exitCode = 1;
} finally {
  downloader.close();
}
