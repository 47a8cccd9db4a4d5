import { ReliabilityError } from './ReliabilityError.js';

/** Options for {@link DiskFullError}. */
export interface DiskFullErrorOptions {
  /** Bytes still needed on the volume (`undefined` when ENOSPC struck without a known total). */
  requiredBytes?: number | undefined;
  /** Bytes available to this user when checked. */
  availableBytes?: number | undefined;
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
}

/**
 * Not enough free space on the volume holding `path`. Thrown before a download starts when the
 * bytes still needed exceed the free space (naming the shortfall), and when a write fails with
 * ENOSPC / EDQUOT. Nothing incomplete is ever placed at the destination.
 */
export class DiskFullError extends ReliabilityError {
  /** The file or folder being written. */
  readonly path: string;
  /** Bytes still needed, when known. */
  readonly requiredBytes: number | undefined;
  /** Bytes available when checked, when known. */
  readonly availableBytes: number | undefined;
  /** `requiredBytes - availableBytes` when both are known. */
  readonly shortfallBytes: number | undefined;
  /** Never retried: retrying cannot free space. */
  readonly retryable = false;

  constructor(path: string, options: DiskFullErrorOptions = {}) {
    const { requiredBytes, availableBytes } = options;
    const shortfall =
      requiredBytes !== undefined && availableBytes !== undefined
        ? Math.max(0, requiredBytes - availableBytes)
        : undefined;
    const detail =
      shortfall !== undefined
        ? `needs ${formatBytes(requiredBytes as number)}, ${formatBytes(availableBytes as number)} free — short by ${formatBytes(shortfall)}`
        : 'the disk is full';
    super(`Not enough disk space for ${path}: ${detail}`, 'ERR_DISK_FULL', 'disk_full', {
      cause: options.cause,
      remediation: [
        shortfall !== undefined
          ? `Free at least ${formatBytes(shortfall)} on the volume holding ${path}, or choose a folder on a larger volume.`
          : `Free disk space on the volume holding ${path}, or choose a folder on a larger volume.`,
        'Run the download again: the part already downloaded is kept and resumed.',
        'Remove unused models and stale partial downloads (folders named .wan-reliability).',
      ],
    });
    this.path = path;
    this.requiredBytes = requiredBytes;
    this.availableBytes = availableBytes;
    this.shortfallBytes = shortfall;
  }
}

/** `1536` → `"1.5 KiB"`; binary units, one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
