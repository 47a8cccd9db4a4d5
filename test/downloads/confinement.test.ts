import type { BigIntStats } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { partialDirFor } from '../../src/downloads/partialPath.js';
import { PathOutsideRootError } from '../../src/errors/PathOutsideRootError.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { type FileServer, makeContent, sha256, startFileServer } from '../support/download-server.js';

const SIZE = 3 * 1024 * 1024;
const content = makeContent(SIZE, 41);
const digest = sha256(content);

let base: string;
let cleanup: () => Promise<void>;
let root: string;
let outside: string;
let server: FileServer;
let downloader: Downloader;

/** Names, bytes and times of everything under `dir`. */
async function snapshot(dir: string): Promise<Map<string, { data?: Buffer; info: BigIntStats }>> {
  const out = new Map<string, { data?: Buffer; info: BigIntStats }>();
  for (const name of (await readdir(dir, { recursive: true })).map(String).sort()) {
    const file = path.join(dir, name);
    const info = await stat(file, { bigint: true });
    out.set(name, info.isFile() ? { data: await readFile(file), info } : { info });
  }
  return out;
}

async function expectUntouched(before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  const after = await snapshot(outside);
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [name, was] of before) {
    const now = after.get(name);
    if (was.data) expect(now?.data?.equals(was.data), name).toBe(true);
    expect(now?.info.mtimeNs, name).toBe(was.info.mtimeNs);
    expect(now?.info.ctimeNs, name).toBe(was.info.ctimeNs);
  }
}

beforeEach(async () => {
  ({ root: base, cleanup } = await tempRoot('wan-confine-dl-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'M'), { recursive: true });
  await mkdir(path.join(outside, 'elsewhere'), { recursive: true });
  await writeFile(path.join(outside, 'elsewhere', 'f.bin'), 'not yours');
  server = await startFileServer(content);
  downloader = new Downloader({ proxy: false, breaker: false, retry: { retries: 0 } });
});

afterEach(async () => {
  await downloader.close();
  await server.close();
  await cleanup();
});

async function expectRefused(
  dest: string,
  requestRoot: string | undefined = root,
): Promise<PathOutsideRootError> {
  const before = await snapshot(outside);
  const error = await downloader
    .download({
      urls: [server.url],
      dest,
      size: SIZE,
      sha256: digest,
      ...(requestRoot ? { root: requestRoot } : {}),
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PathOutsideRootError);
  const typed = error as PathOutsideRootError;
  expect(typed.category).toBe('configuration');
  expect(typed.remediation.length).toBeGreaterThan(0);
  expect(server.requests).toHaveLength(0);
  await expectUntouched(before);
  return typed;
}

describe('Downloader with request.root: nothing outside the root is touched', () => {
  it('refuses a destination whose folder is a link out of the root, before any request', async () => {
    await symlink(path.join(outside, 'elsewhere'), path.join(root, 'M', 'sub'));
    const error = await expectRefused(path.join(root, 'M', 'sub', 'f.bin'));
    expect(error.link).toBe(path.join(root, 'M', 'sub'));
    expect(error.message).toContain('through the symbolic link');
    // No work folder was created either.
    expect(await readdir(root)).toEqual(['M']);
  });

  it('refuses a destination that is not under the root at all', async () => {
    const error = await expectRefused(path.join(outside, 'elsewhere', 'g.bin'));
    expect(error.link).toBeUndefined();
  });

  it('never creates partial work folders through a link out of the root', async () => {
    await symlink(outside, path.join(root, '.wan-reliability'));
    // An empty folder outside where the work folder would be: cleanup must not remove it either.
    const workDir = partialDirFor(path.join(root, 'M', 'f.bin'), { root });
    await mkdir(path.join(outside, path.relative(path.join(root, '.wan-reliability'), workDir)), {
      recursive: true,
    });
    const error = await expectRefused(path.join(root, 'M', 'f.bin'));
    expect(error.link).toBe(path.join(root, '.wan-reliability'));
    // Without a root, the destination's folder is the root of its work folder.
    await symlink(outside, path.join(root, 'M', '.wan-reliability'));
    await expectRefused(path.join(root, 'M', 'f.bin'), undefined);
  });

  it('a link that stays inside the root is fine', async () => {
    await mkdir(path.join(root, 'real'));
    await symlink(path.join(root, 'real'), path.join(root, 'M', 'inner'));
    const before = await snapshot(outside);
    const result = await downloader.download({
      urls: [server.url],
      dest: path.join(root, 'M', 'inner', 'f.bin'),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.sha256).toBe(digest);
    expect(await expectExactOrAbsent(path.join(root, 'real', 'f.bin'), content)).toBe('exact');
    await expectUntouched(before);
  });

  it('checks again right before the rename: a link swapped in during the download is refused, without failover', async () => {
    await server.close();
    server = await startFileServer(content, { delayMs: 5, chunk: 32 * 1024 });
    const second = await startFileServer(content);
    try {
      const folder = path.join(root, 'M', 'sub');
      await mkdir(folder);
      const before = await snapshot(outside);
      let swapped: Promise<void> | undefined;
      const error = await downloader
        .download(
          {
            urls: [server.url, second.url],
            dest: path.join(folder, 'f.bin'),
            size: SIZE,
            sha256: digest,
            root,
          },
          {
            onProgress: (p) => {
              swapped ??=
                p.bytes > 0
                  ? rename(folder, path.join(root, 'M', 'sub-moved')).then(() =>
                      symlink(path.join(outside, 'elsewhere'), folder),
                    )
                  : undefined;
            },
          },
        )
        .catch((e: unknown) => e);
      await swapped;
      expect(error).toBeInstanceOf(PathOutsideRootError);
      await expectUntouched(before);
      // A local problem: the other mirror is not asked to send the file again.
      expect(second.requests).toHaveLength(0);
    } finally {
      await second.close();
    }
  });
});
