import { createHash, randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeMetaTemps } from './partialMeta.js';
import { PARTIAL_SUFFIX } from './partialPath.js';

/**
 * Coordination between writers without relying on file locks (which silently do nothing on some
 * NFS / Lustre setups):
 *
 * - every writer (one download in one process) has its own `writerId` and writes only its own
 *   `<writerId>.part`, so two writers never share a file;
 * - the `claim` file in the destination's partial folder is created with O_EXCL and names its
 *   holder (host, pid, writer); its mtime is the heartbeat. Only the holder adopts orphaned
 *   partials and writes; others wait for it to finish or go stale;
 * - an orphaned partial is adopted by renaming it to the adopter's own name, which succeeds for
 *   exactly one writer even when the claim itself was not exclusive.
 *
 * Correctness never depends on the claim being exclusive: at worst two writers download in
 * parallel into separate files and the second atomic rename replaces identical, verified content.
 */

/** Name of the claim file inside a destination's partial folder. */
export const CLAIM_FILE = 'claim';

/** What a claim file holds. */
export interface ClaimInfo {
  readonly host: string;
  readonly pid: number;
  readonly writerId: string;
  readonly since: number;
}

const HOST = os.hostname();
const HOST_TAG = createHash('sha256').update(HOST).digest('hex').slice(0, 8);

/** Writers active in this process (so a same-pid claim can be told live from left over). */
const activeWriters = new Set<string>();

/** A fresh writer id: `<host tag>-<pid>-<random>`; safe as a file name. */
export function newWriterId(): string {
  return `${HOST_TAG}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Host tag and pid encoded in a writer id (undefined when it is not one of ours). */
export function parseWriterId(writerId: string): { hostTag: string; pid: number } | undefined {
  const match = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+$/.exec(writerId);
  return match ? { hostTag: match[1] as string, pid: Number(match[2]) } : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the writer `writerId` (last seen active at `mtimeMs`) can be considered gone: its process
 * is dead on this host, it is a finished writer of this very process, or it gave no sign of life for
 * `staleAfterMs`.
 */
export function writerGone(
  writerId: string,
  mtimeMs: number,
  staleAfterMs: number,
  now = Date.now(),
): boolean {
  if (activeWriters.has(writerId)) return false;
  const parsed = parseWriterId(writerId);
  if (parsed && parsed.hostTag === HOST_TAG) {
    if (parsed.pid === process.pid) return true;
    if (!processAlive(parsed.pid)) return true;
  }
  return now - mtimeMs > staleAfterMs;
}

/** Registers a writer as active in this process (see {@link writerGone}). */
export function markActive(writerId: string): () => void {
  activeWriters.add(writerId);
  return () => {
    activeWriters.delete(writerId);
  };
}

async function readClaim(
  file: string,
): Promise<{ info: ClaimInfo | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let parsed: ClaimInfo | undefined;
    try {
      const value = JSON.parse(text) as Partial<ClaimInfo>;
      if (typeof value.writerId === 'string' && typeof value.pid === 'number') parsed = value as ClaimInfo;
    } catch {
      // a claim being written or garbage: judged by its age alone
    }
    return { info: parsed, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The result of one {@link tryClaim}. */
export type ClaimAttempt =
  | { readonly acquired: true; readonly claim: Claim }
  | { readonly acquired: false; readonly holder: ClaimInfo | undefined };

/** A held claim: keeps its heartbeat going until released. */
export class Claim {
  readonly file: string;
  readonly writerId: string;
  readonly #timer: NodeJS.Timeout;
  #released = false;

  constructor(file: string, writerId: string, heartbeatMs: number) {
    this.file = file;
    this.writerId = writerId;
    this.#timer = setInterval(() => {
      const now = new Date();
      utimes(this.file, now, now).catch(() => {});
    }, heartbeatMs);
    this.#timer.unref();
  }

  /** Stops the heartbeat and removes the claim file if it is still ours. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    const current = await readClaim(this.file).catch(() => undefined);
    if (current?.info?.writerId === this.writerId) await unlink(this.file).catch(() => {});
  }
}

/**
 * Tries once to take the claim of `dir` for `writerId`: O_EXCL create; an existing claim whose
 * holder is gone ({@link writerGone}) is moved aside with rename (only one writer wins) and the
 * create retried.
 */
export async function tryClaim(dir: string, writerId: string, staleAfterMs: number): Promise<ClaimAttempt> {
  const file = path.join(dir, CLAIM_FILE);
  const info: ClaimInfo = { host: HOST, pid: process.pid, writerId, since: Date.now() };
  for (let round = 0; round < 4; round++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(info));
      } catch (error) {
        // ENOSPC and the like: an empty claim of ours must not stay behind (it blocks others until stale).
        await handle.close().catch(() => {});
        await unlink(file).catch(() => {});
        throw error;
      }
      await handle.close();
      return { acquired: true, claim: new Claim(file, writerId, Math.max(50, Math.floor(staleAfterMs / 4))) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readClaim(file);
    if (!current) continue;
    const holderId = current.info?.writerId ?? '';
    if (!writerGone(holderId, current.mtimeMs, staleAfterMs))
      return { acquired: false, holder: current.info };
    // Stale: move it aside; exactly one contender's rename succeeds.
    const aside = `${file}.stale-${writerId}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = await readClaim(aside);
    if (moved && (moved.info?.writerId ?? '') !== holderId) {
      // Between our read and our rename someone else took it over: give it back (link fails if
      // yet another claim appeared, which is fine too).
      await link(aside, file).catch(() => {});
    }
    await unlink(aside).catch(() => {});
  }
  const current = await readClaim(file);
  return { acquired: false, holder: current?.info };
}

/** A partial left by a writer that is gone. */
export interface Orphan {
  readonly writerId: string;
  readonly path: string;
  readonly bytes: number;
}

/** Partials in `dir` whose writers are gone, largest first. */
export async function findOrphans(dir: string, ownWriterId: string, staleAfterMs: number): Promise<Orphan[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const orphans: Orphan[] = [];
  for (const name of names) {
    if (!name.endsWith(PARTIAL_SUFFIX)) continue;
    const writerId = name.slice(0, -PARTIAL_SUFFIX.length);
    if (writerId === ownWriterId) continue;
    const file = path.join(dir, name);
    try {
      const info = await stat(file);
      if (info.isFile() && writerGone(writerId, info.mtimeMs, staleAfterMs)) {
        orphans.push({ writerId, path: file, bytes: info.size });
      }
    } catch {
      // taken by someone else meanwhile
    }
  }
  return orphans.sort((a, b) => b.bytes - a.bytes);
}

/**
 * Takes an orphan's partial (and its metadata) over by renaming it to `ownWriterId`'s name. Returns
 * false when another writer adopted it first.
 */
export async function adopt(dir: string, orphan: Orphan, ownWriterId: string): Promise<boolean> {
  const target = path.join(dir, `${ownWriterId}${PARTIAL_SUFFIX}`);
  try {
    await rename(orphan.path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const orphanMeta = path.join(dir, `${orphan.writerId}.json`);
  await rename(orphanMeta, path.join(dir, `${ownWriterId}.json`)).catch(() => {});
  await removeMetaTemps(orphanMeta);
  return true;
}

/** Deletes an orphan (moved aside first so a late writer never loses a live file to us). */
export async function discard(dir: string, orphan: Orphan, ownWriterId: string): Promise<void> {
  const aside = path.join(dir, `${ownWriterId}.discard`);
  try {
    await rename(orphan.path, aside);
  } catch {
    return;
  }
  await unlink(aside).catch(() => {});
  await unlink(path.join(dir, `${orphan.writerId}.json`)).catch(() => {});
  await removeMetaTemps(path.join(dir, `${orphan.writerId}.json`));
}
