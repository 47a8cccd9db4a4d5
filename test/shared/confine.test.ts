import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathOutsideRootError } from '../../src/errors/PathOutsideRootError.js';
import { assertWithinRoot, escapeFromRoot, isWithin, realTarget } from '../../src/shared/confine.js';

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'wan-confine-')));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'M', 'real'), { recursive: true });
  await mkdir(path.join(outside, 'deep'), { recursive: true });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('isWithin', () => {
  it('is about whole path segments, not string prefixes', () => {
    expect(isWithin('/a/b', '/a/b')).toBe(true);
    expect(isWithin('/a/b', '/a/b/c')).toBe(true);
    expect(isWithin('/a/b', '/a/bc')).toBe(false);
    expect(isWithin('/a/b', '/a')).toBe(false);
    expect(isWithin('/a/b', '/a/b/..c')).toBe(true);
  });

  it('agrees with a segment-wise prefix check for any pair of normalized absolute paths', () => {
    const segment = fc.constantFrom('a', 'b', 'ab', '..a', 'a..', '.x');
    const absolute = fc.array(segment, { maxLength: 4 }).map((parts) => path.join('/', ...parts));
    fc.assert(
      fc.property(absolute, absolute, (parent, child) => {
        const expected = child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);
        expect(isWithin(parent, child)).toBe(expected);
      }),
    );
  });
});

describe('escapeFromRoot with real symbolic links', () => {
  it('a plain path, an existing or not-yet-existing file, stays inside', async () => {
    expect(await escapeFromRoot(root, path.join(root, 'M', 'real', 'f.bin'))).toBeUndefined();
    expect(await escapeFromRoot(root, path.join(root, 'M', 'new', 'deeper', 'f.bin'))).toBeUndefined();
  });

  it('a folder link that stays inside the root is fine, also when the root itself is a link', async () => {
    await symlink(path.join(root, 'M', 'real'), path.join(root, 'M', 'inner'));
    expect(await escapeFromRoot(root, path.join(root, 'M', 'inner', 'f.bin'))).toBeUndefined();
    await symlink(root, path.join(base, 'root-link'));
    const viaLinkedRoot = path.join(base, 'root-link');
    expect(
      await escapeFromRoot(viaLinkedRoot, path.join(viaLinkedRoot, 'M', 'inner', 'f.bin')),
    ).toBeUndefined();
  });

  it('names the first link that leads out: folder links, relative links, chains, file links', async () => {
    await symlink(outside, path.join(root, 'M', 'sub'));
    expect(await escapeFromRoot(root, path.join(root, 'M', 'sub', 'deep', 'f.bin'))).toEqual({
      link: path.join(root, 'M', 'sub'),
      resolved: outside,
    });
    await symlink('../../outside/deep', path.join(root, 'M', 'rel'));
    expect(await escapeFromRoot(root, path.join(root, 'M', 'rel', 'x'))).toEqual({
      link: path.join(root, 'M', 'rel'),
      resolved: path.join(outside, 'deep'),
    });
    // inside link -> inside link -> outside: the first hop on the path is the one reported.
    await symlink(path.join(root, 'M', 'sub'), path.join(root, 'M', 'hop'));
    expect((await escapeFromRoot(root, path.join(root, 'M', 'hop', 'f')))?.link).toBe(
      path.join(root, 'M', 'hop'),
    );
    // A dangling link leads where a write through it would land.
    await symlink(path.join(outside, 'nothing-yet.bin'), path.join(root, 'M', 'dangling.bin'));
    expect(await escapeFromRoot(root, path.join(root, 'M', 'dangling.bin'))).toEqual({
      link: path.join(root, 'M', 'dangling.bin'),
      resolved: path.join(outside, 'nothing-yet.bin'),
    });
    await symlink(path.join(outside, 'no-dir'), path.join(root, 'M', 'dangling-dir'));
    expect((await escapeFromRoot(root, path.join(root, 'M', 'dangling-dir', 'f')))?.resolved).toBe(
      path.join(outside, 'no-dir'),
    );
  });

  it('a path not under the root at all', async () => {
    expect(await escapeFromRoot(root, path.join(outside, 'f.bin'))).toEqual({
      link: undefined,
      resolved: path.join(outside, 'f.bin'),
    });
  });

  it('assertWithinRoot throws a configuration error with remediation', async () => {
    await symlink(outside, path.join(root, 'M', 'sub'));
    const error = await assertWithinRoot(root, path.join(root, 'M', 'sub', 'f.bin')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathOutsideRootError);
    const typed = error as PathOutsideRootError;
    expect(typed.category).toBe('configuration');
    expect(typed.code).toBe('ERR_PATH_OUTSIDE_ROOT');
    expect(typed.link).toBe(path.join(root, 'M', 'sub'));
    expect(typed.message).toContain(`through the symbolic link ${path.join(root, 'M', 'sub')} -> ${outside}`);
    expect(typed.remediation[0]).toMatch(/^Remove the symbolic link/);
  });

  it('realTarget resolves the nearest existing ancestor; a link loop is an error, not a hang', async () => {
    await symlink(outside, path.join(root, 'M', 'sub'));
    expect(await realTarget(path.join(root, 'M', 'sub', 'a', 'b'))).toBe(path.join(outside, 'a', 'b'));
    await symlink(path.join(root, 'loop-b'), path.join(root, 'loop-a'));
    await symlink(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
    await expect(realTarget(path.join(root, 'loop-a', 'f'))).rejects.toMatchObject({ code: 'ELOOP' });
  });
});
