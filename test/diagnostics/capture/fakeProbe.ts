import type { SystemProbe } from '../../../src/diagnostics/capture/types.js';

/** A probe that answers at once with fixed facts (fast captures in tests). */
export function fastProbe(overrides: Partial<SystemProbe> = {}): SystemProbe {
  return {
    os: async () => ({
      platform: 'linux',
      distro: 'Debian GNU/Linux',
      release: '12',
      kernel: '6.1.0',
      arch: 'x64',
    }),
    cpu: async () => ({ model: 'Test CPU', cores: 8, physicalCores: 4, speedGHz: 3 }),
    gpus: async () => [
      {
        vendor: 'NVIDIA',
        model: 'H100 80GB HBM3',
        vramBytes: 81559 * 1024 * 1024,
        driverVersion: '550.54.15',
        source: 'custom',
      },
    ],
    python: async () => ({ version: '3.11.7', command: 'python3' }),
    memory: async () => ({
      totalBytes: 64 * 2 ** 30,
      availableBytes: 32 * 2 ** 30,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    }),
    disks: async () => [
      {
        mount: '/',
        fs: '/dev/sda1',
        type: 'ext4',
        sizeBytes: 500e9,
        usedBytes: 100e9,
        availableBytes: 400e9,
      },
    ],
    load: async () => ({ percent: 12.5, average: [0.5, 0.4, 0.3] }),
    ...overrides,
  };
}

/** A promise that never settles. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** A probe whose every member hangs forever. */
export function hangingProbe(): SystemProbe {
  return {
    os: never,
    cpu: never,
    gpus: never,
    python: never,
    memory: never,
    disks: never,
    load: never,
  };
}
