import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';

/** A fresh temp folder under the OS temp dir; remove with `cleanup`. */
export async function tempRoot(prefix = 'wan-dl-'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The destination holds exactly `content`, or does not exist at all. */
export async function expectExactOrAbsent(dest: string, content: Buffer): Promise<'exact' | 'absent'> {
  let data: Buffer;
  try {
    data = await readFile(dest);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    return 'absent';
  }
  expect(data.length).toBe(content.length);
  expect(data.equals(content)).toBe(true);
  return 'exact';
}

/** No temp or partial file sits beside `dest` (only the names in `allowed`). */
export async function expectNoTempBeside(
  dest: string,
  allowed: readonly string[] = [path.basename(dest)],
): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(path.dirname(dest));
  } catch {
    return;
  }
  for (const name of names) expect(allowed).toContain(name);
}

/** Every event a Downloader emits; the check below fails to compile when an event is added and not listed. */
export const DOWNLOAD_EVENT_NAMES = [
  'download:start',
  'download:progress',
  'download:resume',
  'download:restart',
  'download:retry',
  'download:mirror-failover',
  'download:cooldown',
  'download:waiting',
  'download:connections',
  'download:complete',
  'download:error',
] as const satisfies readonly (keyof DownloadEvents)[];
const everyEventListed: Exclude<keyof DownloadEvents, (typeof DOWNLOAD_EVENT_NAMES)[number]> extends never
  ? true
  : never = true;
void everyEventListed;
