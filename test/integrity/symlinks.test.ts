import type { BigIntStats } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { Hasher, HashOptions, HashResult } from '../../src/integrity/hashPool.js';
import { ModelIntegrityChecker } from '../../src/integrity/ModelIntegrityChecker.js';
import { parseManifest } from '../../src/integrity/manifest.js';
import {
  content,
  type FileServer,
  type FixtureFile,
  serveModels,
  startIntegrityEnv,
  tempDir,
} from '../support/integrityFixtures.js';

const good = {
  inside: content(31, 70_000),
  viaLink: content(32, 70_000),
  missingViaLink: content(33, 70_000),
  fileLink: content(34, 70_000),
  innerLink: content(35, 70_000),
  whole: content(36, 70_000),
  dangling: content(37, 70_000),
};
const MODELS: Record<string, FixtureFile[]> = {
  M: [
    { path: 'a.bin', data: good.inside },
    // `sub` is a link to a folder outside the root.
    { path: 'sub/f.bin', data: good.viaLink },
    { path: 'sub/g.bin', data: good.missingViaLink },
    // A file link to a file outside the root, and one to a file that does not exist (yet).
    { path: 'link.bin', data: good.fileLink },
    { path: 'dangle.bin', data: good.dangling },
    // `inner` is a link to a folder inside the root: fine.
    { path: 'inner/i.bin', data: good.innerLink },
  ],
  // The whole model folder is a link out of the root.
  N: [{ path: 'w.bin', data: good.whole }],
};

let root: string;
let outside: string;
let stopEnv: () => Promise<void>;
let dropOutside: () => Promise<void>;
let server: FileServer;
let manifest: ReturnType<typeof parseManifest>;
/** Every path the checker asked to hash. */
let hashed: string[];
let hasher: Hasher;
const downloaders: Downloader[] = [];

interface Snapshot {
  readonly names: string[];
  readonly files: Map<string, { data: Buffer; info: BigIntStats }>;
}

/** Everything under `dir` (names, bytes, mtime/ctime/inode), to prove it was not touched. */
async function snapshot(dir: string): Promise<Snapshot> {
  const names = (await readdir(dir, { recursive: true })).map(String).sort();
  const files = new Map<string, { data: Buffer; info: BigIntStats }>();
  for (const name of names) {
    const file = path.join(dir, name);
    const info = await stat(file, { bigint: true });
    if (info.isFile()) files.set(name, { data: await readFile(file), info });
  }
  return { names, files };
}

function expectUntouched(before: Snapshot, after: Snapshot): void {
  expect(after.names).toEqual(before.names);
  for (const [name, { data, info }] of before.files) {
    const now = after.files.get(name);
    expect(now?.data.equals(data), `${name} bytes`).toBe(true);
    expect(now?.info.mtimeNs, `${name} mtime`).toBe(info.mtimeNs);
    expect(now?.info.ctimeNs, `${name} ctime`).toBe(info.ctimeNs);
    expect(now?.info.ino, `${name} inode`).toBe(info.ino);
  }
}

beforeEach(async () => {
  const env = await startIntegrityEnv(MODELS);
  ({ root, server, stop: stopEnv } = env);
  manifest = parseManifest(serveModels(server, MODELS));
  ({ dir: outside, cleanup: dropOutside } = await tempDir('wan-outside-'));
  hashed = [];
  hasher = {
    hash: (file: string, options?: HashOptions): Promise<HashResult> => {
      hashed.push(file);
      return env.pool.hash(file, options);
    },
  };
  // Inside the root: a good file, a folder reached through an inner link.
  await mkdir(path.join(root, 'M', 'real'), { recursive: true });
  await writeFile(path.join(root, 'M', 'a.bin'), good.inside);
  await writeFile(path.join(root, 'M', 'real', 'i.bin'), good.innerLink);
  await symlink(path.join(root, 'M', 'real'), path.join(root, 'M', 'inner'));
  // A stray copy with the right content for sub/f.bin: a misplaced-file candidate.
  await writeFile(path.join(root, 'M', 'stray.bin'), good.viaLink);
  // Outside: someone else's files with the names the manifest asks for, and wrong content.
  await mkdir(path.join(outside, 'elsewhere'));
  await writeFile(path.join(outside, 'elsewhere', 'f.bin'), content(99, 70_000));
  await writeFile(path.join(outside, 'other.bin'), content(98, 70_000));
  await symlink(path.join(outside, 'elsewhere'), path.join(root, 'M', 'sub'));
  await symlink(path.join(outside, 'other.bin'), path.join(root, 'M', 'link.bin'));
  await symlink(path.join(outside, 'not-there.bin'), path.join(root, 'M', 'dangle.bin'));
  await mkdir(path.join(outside, 'model-n'));
  await writeFile(path.join(outside, 'model-n', 'w.bin'), content(97, 70_000));
  await symlink(path.join(outside, 'model-n'), path.join(root, 'N'));
});

afterEach(async () => {
  for (const d of downloaders.splice(0)) await d.close();
  await stopEnv();
  await dropOutside();
});

function checker(): ModelIntegrityChecker {
  const downloader = new Downloader({ retry: { retries: 1, delays: [20] }, breaker: false });
  downloaders.push(downloader);
  return new ModelIntegrityChecker({ root, manifest, hasher, downloader });
}

describe('symbolic links out of the install root', () => {
  it('verify reports them as unsafe_path and reads nothing outside', async () => {
    const before = await snapshot(outside);
    const report = await checker().verify({ deep: true });
    const status = (model: string, file: string) =>
      report.models.find((m) => m.id === model)?.files.find((f) => f.path === file);
    expect(status('M', 'a.bin')?.status).toBe('ok');
    expect(status('M', 'inner/i.bin')?.status).toBe('ok');
    for (const [model, file] of [
      ['M', 'sub/f.bin'],
      ['M', 'sub/g.bin'],
      ['M', 'link.bin'],
      ['M', 'dangle.bin'],
      ['N', 'w.bin'],
    ] as const) {
      const found = status(model, file);
      expect(found?.status, `${model}/${file}`).toBe('unsafe_path');
      expect(found?.note).toMatch(/resolves outside .* through the symbolic link .* -> /);
      expect(found?.actual).toBeUndefined();
    }
    expect(status('M', 'sub/f.bin')?.note).toContain(path.join(root, 'M', 'sub'));
    // The stray copy is not offered as a misplaced file for a path that leads outside.
    expect(report.models[0]?.files.some((f) => f.status === 'misplaced')).toBe(false);
    // Repair would download nothing for them.
    expect(report.bytesToDownload).toBe(0);
    const realOutside = await realpath(outside);
    expect(hashed.filter((file) => file.startsWith(outside) || file.startsWith(realOutside))).toEqual([]);
    expect(hashed.some((file) => file.includes(`${path.sep}N${path.sep}`))).toBe(false);
    expectUntouched(before, await snapshot(outside));
  });

  it('repair neither deletes, replaces nor creates anything outside, and says how to fix it by hand', async () => {
    const before = await snapshot(outside);
    const result = await checker().repair();
    expectUntouched(before, await snapshot(outside));
    expect(result.ok).toBe(false);
    const failed = new Map(result.failed.map((f) => [`${f.model}/${f.path}`, f]));
    expect([...failed.keys()].sort()).toEqual([
      'M/dangle.bin',
      'M/link.bin',
      'M/sub/f.bin',
      'M/sub/g.bin',
      'N/w.bin',
    ]);
    const viaLink = failed.get('M/sub/f.bin');
    expect(viaLink?.status).toBe('unsafe_path');
    expect(viaLink?.category).toBe('configuration');
    expect(viaLink?.code).toBe('ERR_PATH_OUTSIDE_ROOT');
    expect(viaLink?.message).toMatch(/resolves outside .* through the symbolic link/);
    const steps = viaLink?.manualSteps.join('\n') ?? '';
    expect(steps).toContain(`Remove the symbolic link ${path.join(root, 'M', 'sub')}`);
    // No "download it by hand into <path through the link>" step.
    expect(steps).not.toMatch(/curl|Invoke-WebRequest/);
    // Nothing was requested for them; the links themselves are still there.
    expect(server.downloads().filter((r) => /sub\/|link\.bin|dangle\.bin|\/N\//.test(r.path))).toEqual([]);
    expect((await lstat(path.join(root, 'M', 'sub'))).isSymbolicLink()).toBe(true);
    expect((await lstat(path.join(root, 'M', 'link.bin'))).isSymbolicLink()).toBe(true);
    // The stray copy was not moved through the link.
    expect((await readFile(path.join(root, 'M', 'stray.bin'))).equals(good.viaLink)).toBe(true);
  });

  it('once the link is replaced by a real folder, repair fixes the files inside the root', async () => {
    await rm(path.join(root, 'M', 'sub'));
    await rm(path.join(root, 'M', 'link.bin'));
    await rm(path.join(root, 'M', 'dangle.bin'));
    await rm(path.join(root, 'N'));
    const before = await snapshot(outside);
    const result = await checker().repair();
    expect(result.failed).toEqual([]);
    expect(result.ok).toBe(true);
    expect((await readFile(path.join(root, 'M', 'sub', 'f.bin'))).equals(good.viaLink)).toBe(true);
    expect((await readFile(path.join(root, 'N', 'w.bin'))).equals(good.whole)).toBe(true);
    expectUntouched(before, await snapshot(outside));
  });
});
