import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { CheckOptions, PreflightCheck } from '../types.js';
import { formatBytes } from './shared.js';
import { checkOptions, optionalFunction, requireBytes } from './validate.js';

/** Options for {@link memory}. */
export interface MemoryOptions extends CheckOptions {
  /** Physical memory the workload needs. */
  readonly minBytes: number;
  /** Source of the figures (tests); default: os.totalmem() and Linux MemAvailable / os.freemem(). */
  readonly read?: () => Promise<{
    /** Physical memory in bytes. */
    totalBytes: number;
    /** Memory available to new processes without swapping, bytes. */
    availableBytes: number;
  }>;
}

/** Total and available memory; `available` is Linux's MemAvailable (free + reclaimable cache). */
export async function readMemory(): Promise<{ totalBytes: number; availableBytes: number }> {
  const totalBytes = os.totalmem();
  if (process.platform === 'linux') {
    try {
      const text = await readFile('/proc/meminfo', 'utf8');
      const match = /^MemAvailable:\s+(\d+)\s+kB/m.exec(text);
      if (match) return { totalBytes, availableBytes: Number(match[1]) * 1024 };
    } catch {
      // fall through
    }
  }
  return { totalBytes, availableBytes: os.freemem() };
}

/**
 * Memory against a requirement: fail when the machine has less physical memory than `minBytes`,
 * warn when it has enough but less is available right now (other programs hold it).
 */
export function memory(given: MemoryOptions): PreflightCheck {
  const options = checkOptions<MemoryOptions>('memory', given);
  const min = requireBytes('memory', 'minBytes', options.minBytes);
  const read =
    optionalFunction<NonNullable<MemoryOptions['read']>>('memory', 'read', options.read) ?? readMemory;
  return {
    id: options.id ?? 'memory',
    title: 'Memory',
    timeout: options.timeout ?? 5000,
    async run() {
      const { totalBytes, availableBytes } = await read();
      const details = { totalBytes, availableBytes, requiredBytes: min };
      if (totalBytes < min) {
        return {
          status: 'fail',
          message: `${formatBytes(totalBytes)} of memory, ${formatBytes(min)} needed`,
          remediation: [
            'This machine has less memory than the model needs: use a smaller model variant or a machine with more RAM.',
            'Offloading options (e.g. --offload_model True, --t5_cpu) lower the GPU memory needed but not the RAM.',
          ],
          details,
        };
      }
      if (availableBytes < min) {
        return {
          status: 'warn',
          message: `${formatBytes(availableBytes)} available of ${formatBytes(totalBytes)}, ${formatBytes(min)} needed`,
          remediation: ['Close other programs to free memory before starting.'],
          details,
        };
      }
      return {
        status: 'pass',
        message: `${formatBytes(availableBytes)} available of ${formatBytes(totalBytes)}`,
        details,
      };
    },
  };
}
