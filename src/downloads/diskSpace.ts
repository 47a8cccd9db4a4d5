import { statfs } from 'node:fs/promises';
import { DiskFullError } from '../errors/DiskFullError.js';

/** Bytes available to this user on the volume holding `dir`, or `undefined` when unknown. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const info = await statfs(dir);
    return Number(info.bavail) * Number(info.bsize);
  } catch {
    return undefined;
  }
}

/** Throws DiskFullError naming the shortfall when `dir`'s volume has less than `needed` bytes free. */
export async function ensureFreeSpace(dir: string, needed: number, label: string): Promise<void> {
  if (needed <= 0) return;
  const available = await freeBytes(dir);
  if (available !== undefined && available < needed) {
    throw new DiskFullError(label, { requiredBytes: needed, availableBytes: available });
  }
}

/** Whether an fs error means the disk (or quota) is full. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
