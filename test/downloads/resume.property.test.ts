import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { type Behaviour, makeContent, sha256, startFileServer } from '../support/download-server.js';

const SIZE = 512 * 1024 + 17;
const content = makeContent(SIZE, 11);
const digest = sha256(content);

let root: string;
let cleanup: () => Promise<void>;
const downloader = new Downloader({ retry: { delays: [5] }, breaker: false, proxy: false });

beforeAll(async () => {
  ({ root, cleanup } = await tempRoot());
});

afterAll(async () => {
  downloader.close();
  await cleanup();
});

describe('resume at arbitrary cut points (property)', () => {
  it('always ends with the exact file, serving ≤ 1.02× its size', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: SIZE - 1 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (points, withSize) => {
          const cuts = [...points].sort((a, b) => a - b);
          const script: Behaviour[] = cuts.map((point, index) => ({
            kind: 'cut',
            after: point - (cuts[index - 1] ?? 0),
          }));
          const server = await startFileServer(content, { script });
          const dest = path.join(root, `run-${run++}`, 'file.bin');
          try {
            const result = await downloader.download({
              urls: [server.url],
              dest,
              sha256: digest,
              root,
              ...(withSize ? { size: SIZE } : {}),
            });
            expect(result.sha256).toBe(digest);
            expect(await expectExactOrAbsent(dest, content)).toBe('exact');
            await expectNoTempBeside(dest);
            expect(server.bytesServed()).toBeLessThanOrEqual(SIZE * 1.02);
            // Every request after the first continued where the previous one was cut.
            expect(server.requests.slice(1).map((r) => r.range)).toEqual(cuts.map((cut) => `bytes=${cut}-`));
          } finally {
            await server.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
});
