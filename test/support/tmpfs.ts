import { execFileSync } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Mounts a tmpfs of `size` (e.g. '2m') on `dir`; true when it worked (root on Linux with mount rights). */
export function mountTmpfs(dir: string, size: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts what {@link mountTmpfs} mounted. */
export function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
}

/** Whether this machine lets tests mount a tmpfs: tried once on a scratch folder. */
export async function canMountTmpfs(): Promise<boolean> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = await mkdtemp(path.join(os.tmpdir(), 'wan-mount-probe-'));
  try {
    if (!mountTmpfs(probe, '1m')) return false;
    unmount(probe);
    return true;
  } finally {
    await rmdir(probe).catch(() => {});
  }
}
