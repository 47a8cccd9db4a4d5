import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findTempFiles, removeStaleTempFiles, writeFileAtomic } from '../../src/shared/writeFileAtomic.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'atomic-'));
  file = path.join(dir, 'state.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and was reaped). */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(),
  );
}

describe('writeFileAtomic temp files', () => {
  it('names its temp files so findTempFiles recognizes them (and removes them when a write fails)', async () => {
    await writeFileAtomic(file, 'one', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('one');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // A write that fails after creating its temp (the target is a folder) leaves nothing behind.
    await mkdir(path.join(dir, 'folder'));
    await expect(writeFileAtomic(path.join(dir, 'folder'), 'x')).rejects.toThrow();
    expect(await findTempFiles(path.join(dir, 'folder'))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['folder', 'state.json']);
  });

  it('removes temps of dead writers and old ones; keeps a live writer’s fresh one and everything else', async () => {
    const dead = deadPid();
    const now = Date.now();
    const names = {
      dead: `.state.json.${dead}.0a1b2c3d.tmp`,
      liveOld: `.state.json.${process.pid}.00000000.tmp`,
      liveFresh: `.state.json.${process.pid}.12345678.tmp`,
      parent: `.state.json.${process.ppid}.abcdef01.tmp`, // alive
      pidZero: '.state.json.0.abcdef01.tmp', // pid 0 would signal our process group: never "gone"
    };
    for (const name of Object.values(names)) await writeFile(path.join(dir, name), 'x');
    const hourAgo = new Date(now - 3_600_000);
    await utimes(path.join(dir, names.liveOld), hourAgo, hourAgo);
    const outside = path.join(dir, 'target');
    await writeFile(outside, 'keep');
    const link = `.state.json.${dead}.11111111.tmp`;
    await symlink(outside, path.join(dir, link));
    await mkdir(path.join(dir, `.state.json.${dead}.22222222.tmp`));
    await writeFile(path.join(dir, `.other.json.${dead}.0a1b2c3d.tmp`), 'x');

    const removed = await removeStaleTempFiles(file, { now: () => now });
    expect(removed.sort()).toEqual([names.dead, names.liveOld, link].sort());
    expect((await readdir(dir)).sort()).toEqual(
      [
        names.liveFresh,
        names.parent,
        names.pidZero,
        `.state.json.${dead}.22222222.tmp`,
        `.other.json.${dead}.0a1b2c3d.tmp`,
        'target',
      ].sort(),
    );
    expect(await readFile(outside, 'utf8')).toBe('keep');
    // olderThanMs 0: every temp of the file, whoever wrote it (the caller holds the writers' lock).
    expect((await removeStaleTempFiles(file, { olderThanMs: 0 })).sort()).toEqual(
      [names.liveFresh, names.parent, names.pidZero].sort(),
    );
  });

  it('escapes the file name in the pattern and copes with a missing folder', async () => {
    const odd = path.join(dir, 'a+b(1).json');
    await writeFile(path.join(dir, `.a+b(1).json.${deadPid()}.0a1b2c3d.tmp`), 'x');
    await writeFile(path.join(dir, `.aab(1).json.${deadPid()}.0a1b2c3d.tmp`), 'x');
    expect(await removeStaleTempFiles(odd)).toHaveLength(1);
    expect(await removeStaleTempFiles(path.join(dir, 'missing', 'x.json'))).toEqual([]);
  });
});
