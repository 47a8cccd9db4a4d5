import { statfs } from 'node:fs/promises';
import type { CheckOptions, PreflightCheck } from '../types.js';
import { formatBytes, nearestExisting } from './shared.js';
import { checkOptions, optionalBytes, requireBytes, requireString } from './validate.js';

/** Options for {@link diskSpace}. */
export interface DiskSpaceOptions extends CheckOptions {
  /** The install folder (it need not exist yet: its nearest existing parent's volume is measured). */
  readonly path: string;
  /** Bytes the install needs on that volume. */
  readonly requiredBytes: number;
  /** Warn when less than this much would be left after the install (default 10 % of requiredBytes). */
  readonly marginBytes?: number;
}

/**
 * Free space on the volume holding `path` (fs.statfs, space available to this user): fail below
 * `requiredBytes`, warn when less than `marginBytes` would be left.
 */
export function diskSpace(given: DiskSpaceOptions): PreflightCheck {
  const options = checkOptions<DiskSpaceOptions>('diskSpace', given);
  const target = requireString('diskSpace', 'path', options.path);
  const required = requireBytes('diskSpace', 'requiredBytes', options.requiredBytes);
  const margin = optionalBytes('diskSpace', 'marginBytes', options.marginBytes) ?? Math.round(required * 0.1);
  return {
    id: options.id ?? `disk-space:${target}`,
    title: `Disk space (${target})`,
    ...(options.timeout === undefined ? { timeout: 10_000 } : { timeout: options.timeout }),
    async run() {
      const folder = await nearestExisting(target);
      const info = await statfs(folder);
      const available = Number(info.bavail) * Number(info.bsize);
      const total = Number(info.blocks) * Number(info.bsize);
      const details = {
        path: target,
        measuredAt: folder,
        availableBytes: available,
        totalBytes: total,
        requiredBytes: required,
      };
      if (available < required) {
        return {
          status: 'fail',
          message: `${formatBytes(available)} free on the volume of ${target}, ${formatBytes(required)} needed (${formatBytes(required - available)} short)`,
          remediation: [
            `Free at least ${formatBytes(required - available)} on the volume holding ${target} (remove unused models, caches and partial downloads).`,
            'Or choose an install folder on a volume with more free space.',
          ],
          details,
        };
      }
      if (available - required < margin) {
        return {
          status: 'warn',
          message: `${formatBytes(available)} free, ${formatBytes(required)} needed: only ${formatBytes(available - required)} would be left`,
          remediation: ['Free some more space: the volume will be almost full after the install.'],
          details,
        };
      }
      return {
        status: 'pass',
        message: `${formatBytes(available)} free, ${formatBytes(required)} needed`,
        details,
      };
    },
  };
}
