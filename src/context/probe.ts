import { execFile } from 'node:child_process';
import os from 'node:os';
import type {
  CpuFacts,
  DiskFacts,
  GpuFacts,
  LoadFacts,
  MemoryFacts,
  OsFacts,
  PythonFacts,
  SystemProbe,
} from './types.js';

type SystemInformation = typeof import('systeminformation');

let siModule: Promise<SystemInformation> | undefined;

/** systeminformation is loaded on first use: importing the package stays cheap. */
function si(): Promise<SystemInformation> {
  siModule ??= import('systeminformation').then(
    (module) => ((module as { default?: SystemInformation }).default ?? module) as SystemInformation,
  );
  return siModule;
}

/** Runs a command and resolves its stdout+stderr, or null when it is missing, fails or is slow. */
export function runQuiet(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      const child = execFile(
        command,
        args,
        { timeout: timeoutMs, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error) resolve(null);
          else resolve(`${stdout}${stderr}`);
        },
      );
      child.on('error', () => resolve(null));
      child.stdin?.end();
    } catch {
      resolve(null);
    }
  });
}

/**
 * Finds the Python on PATH: `python3 --version`, then `python --version` (Python 2 prints to stderr,
 * which is read too). Resolves null when neither answers within `timeoutMs`.
 */
export async function detectPython(timeoutMs = 2500): Promise<PythonFacts | null> {
  const commands = process.platform === 'win32' ? ['python', 'py', 'python3'] : ['python3', 'python'];
  for (const command of commands) {
    const output = await runQuiet(command, ['--version'], timeoutMs);
    const match = output ? /Python\s+(\d+\.\d+(?:\.\d+)?\S*)/i.exec(output) : null;
    if (match) return { version: match[1]!, command };
  }
  return null;
}

/**
 * GPUs from `nvidia-smi` (exact VRAM and driver) when it exists, otherwise from systeminformation
 * (lspci / WMI / system_profiler). An empty list means no GPU was found.
 */
export async function detectGpus(timeoutMs = 2500): Promise<GpuFacts[]> {
  const smi = await runQuiet(
    'nvidia-smi',
    ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'],
    timeoutMs,
  );
  if (smi) {
    const gpus: GpuFacts[] = [];
    for (const line of smi.split(/\r?\n/)) {
      const [name, memory, driver] = line.split(',').map((part) => part.trim());
      if (!name || !memory) continue;
      const mib = Number(memory);
      gpus.push({
        vendor: 'NVIDIA',
        model: name,
        vramBytes: Number.isFinite(mib) ? mib * 1024 * 1024 : null,
        driverVersion: driver || null,
        source: 'nvidia-smi',
      });
    }
    if (gpus.length > 0) return gpus;
  }
  const data = await (await si()).graphics();
  return data.controllers.map((controller) => {
    const mib = controller.memoryTotal ?? controller.vram;
    return {
      vendor: controller.vendor || 'unknown',
      model: controller.model || controller.name || 'unknown',
      vramBytes: typeof mib === 'number' && mib > 0 ? mib * 1024 * 1024 : null,
      driverVersion: controller.driverVersion || null,
      source: 'systeminformation' as const,
    };
  });
}

/** The default probe: systeminformation, nvidia-smi, python3 --version and node:os. */
export function createDefaultProbe(): SystemProbe {
  return {
    async os(): Promise<OsFacts> {
      const info = await (await si()).osInfo();
      return {
        platform: info.platform || process.platform,
        distro: info.distro || os.type(),
        release: info.release || os.release(),
        kernel: info.kernel || os.release(),
        arch: info.arch || process.arch,
      };
    },
    async cpu(): Promise<CpuFacts> {
      const info = await (await si()).cpu();
      const model =
        [info.manufacturer, info.brand].filter(Boolean).join(' ') || os.cpus()[0]?.model || 'unknown';
      return {
        model,
        cores: info.cores || os.availableParallelism(),
        physicalCores: info.physicalCores || info.cores || os.availableParallelism(),
        speedGHz: info.speed > 0 ? info.speed : null,
      };
    },
    gpus: () => detectGpus(),
    python: () => detectPython(),
    async memory(): Promise<MemoryFacts> {
      const info = await (await si()).mem();
      return {
        totalBytes: info.total,
        availableBytes: info.available,
        swapTotalBytes: info.swaptotal,
        swapUsedBytes: info.swapused,
      };
    },
    async disks(): Promise<DiskFacts[]> {
      const list = await (await si()).fsSize();
      return list.map((disk) => ({
        mount: disk.mount,
        fs: disk.fs,
        type: disk.type,
        sizeBytes: disk.size,
        usedBytes: disk.used,
        availableBytes: disk.available,
      }));
    },
    async load(): Promise<LoadFacts> {
      const average = os.loadavg() as [number, number, number];
      const info = await (await si()).currentLoad();
      const percent = Number.isFinite(info.currentLoad) ? Math.round(info.currentLoad * 10) / 10 : null;
      return { percent, average: [average[0], average[1], average[2]] };
    },
  };
}
