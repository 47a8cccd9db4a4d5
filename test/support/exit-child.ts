/**
 * A script that uses the package the way a careless installer would — it never calls `close()` —
 * for the "nothing keeps the process alive" tests: `node --import tsx test/support/exit-child.ts
 * '<json>'` with `{ scenario, url, dest, root, size?, sha256?, file? }`. It prints `{"marker":…}`
 * right after its last await and then simply returns; the test measures how long the process
 * lingers after that line.
 */
import { Downloader } from '../../src/downloads/Downloader.js';
import { defaultHashPool } from '../../src/integrity/hashPool.js';

interface ExitArgs {
  scenario: string;
  url: string;
  dest: string;
  root: string;
  size?: number;
  sha256?: string;
  /** For `hash`: the file to hash. */
  file?: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ExitArgs;
const downloader = new Downloader({ retry: { delays: [20, 40] }, stallTimeout: 5000 });
const request = {
  urls: [args.url],
  dest: args.dest,
  root: args.root,
  ...(args.size !== undefined ? { size: args.size } : {}),
  ...(args.sha256 !== undefined ? { sha256: args.sha256 } : {}),
};
const outcome = async (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({
      ok: false,
      error: String(error),
      category: (error as { category?: string }).category,
    }),
  );

let result: unknown;
switch (args.scenario) {
  case 'download':
    result = await outcome(downloader.download(request));
    break;
  case 'abort': {
    const controller = new AbortController();
    result = await outcome(
      downloader.download(request, {
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.bytes > 0) controller.abort();
        },
      }),
    );
    break;
  }
  case 'close-after':
    // close() right after the download settled (its hasher may still be on its way back to the pool).
    result = await outcome(downloader.download(request));
    void downloader.close();
    break;
  case 'close-during': {
    const running = outcome(
      downloader.download(request, {
        onProgress: (progress) => {
          if (progress.bytes > 0) void downloader.close();
        },
      }),
    );
    result = await running;
    break;
  }
  case 'hash':
    result = await outcome(defaultHashPool().hash(args.file as string));
    break;
  default:
    throw new Error(`unknown scenario ${args.scenario}`);
}
process.stdout.write(`${JSON.stringify({ marker: 'last-await-done', result })}\n`);
