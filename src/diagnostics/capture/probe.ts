import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { lazyRequire } from '../../shared/lazyRequire.js';
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

/** systeminformation is loaded on first use: importing the package stays cheap (see lazyRequire). */
function si(): Promise<SystemInformation> {
  try {
    return Promise.resolve(lazyRequire<SystemInformation>('systeminformation'));
  } catch (error) {
    return Promise.reject(error);
  }
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

/** Pseudo and network file systems left out of the disk list (like `df -l` without the noise). */
const SKIPPED_FS_TYPES = new Set([
  'proc',
  'sysfs',
  'devpts',
  'devtmpfs',
  'cgroup',
  'cgroup2',
  'securityfs',
  'pstore',
  'bpf',
  'debugfs',
  'tracefs',
  'configfs',
  'fusectl',
  'mqueue',
  'hugetlbfs',
  'autofs',
  'binfmt_misc',
  'rpc_pipefs',
  'nsfs',
  'squashfs',
  'ramfs',
  'efivarfs',
  'selinuxfs',
  'overlayfs-meta',
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'fuse.sshfs',
  'sshfs',
  'afs',
  'ceph',
  'glusterfs',
  'fuse.glusterfs',
  'lustre',
  '9p',
  'fuse.gvfsd-fuse',
  'fuse.portal',
  'iso9660',
]);

function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * Local disks on Linux from /proc/self/mounts and fs.statfs — no child process (`df`), so a capture
 * stays cheap. Network file systems are skipped: a hung NFS server would block a threadpool thread.
 */
export async function linuxDisks(): Promise<DiskFacts[]> {
  const text = await readFile('/proc/self/mounts', 'utf8');
  const byDevice = new Map<string, { mount: string; fs: string; type: string }>();
  for (const line of text.split('\n')) {
    const [device, rawMount, type] = line.split(' ');
    if (!device || !rawMount || !type || SKIPPED_FS_TYPES.has(type)) continue;
    const mount = unescapeMount(rawMount);
    if (type === 'tmpfs' && mount !== '/tmp' && mount !== '/dev/shm' && !mount.startsWith('/tmp/')) continue;
    if (/^\/(?:proc|sys|run)(?:\/|$)/.test(mount)) continue;
    const key = type === 'tmpfs' ? `${device}:${mount}` : device;
    const known = byDevice.get(key);
    // Bind mounts of one device: keep the shortest path.
    if (!known || mount.length < known.mount.length) byDevice.set(key, { mount, fs: device, type });
  }
  const disks = await Promise.all(
    [...byDevice.values()].map(async (entry) => {
      try {
        const info = await statfs(entry.mount);
        const size = Number(info.blocks) * Number(info.bsize);
        if (size === 0) return null;
        const available = Number(info.bavail) * Number(info.bsize);
        const used = size - Number(info.bfree) * Number(info.bsize);
        return {
          mount: entry.mount,
          fs: entry.fs,
          type: entry.type,
          sizeBytes: size,
          usedBytes: used,
          availableBytes: available,
        };
      } catch {
        return null;
      }
    }),
  );
  return disks
    .filter((disk): disk is DiskFacts => disk !== null)
    .sort((a, b) => a.mount.localeCompare(b.mount));
}

interface CpuSample {
  readonly at: number;
  readonly busy: number;
  readonly total: number;
}

let lastSample: CpuSample | undefined;
let lastPercent: number | null = null;

function sampleCpu(): CpuSample {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { at: performance.now(), busy, total };
}

/**
 * CPU load in percent over the time since the previous call (at least 100 ms; the first call
 * samples 100 ms). From os.cpus() times: no child process, no 500 ms wait.
 */
export async function cpuLoadPercent(): Promise<number | null> {
  let previous = lastSample;
  if (!previous) {
    previous = sampleCpu();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } else if (performance.now() - previous.at < 100) {
    return lastPercent;
  }
  const current = sampleCpu();
  lastSample = current;
  const total = current.total - previous.total;
  lastPercent = total > 0 ? Math.round(((current.busy - previous.busy) / total) * 1000) / 10 : lastPercent;
  return lastPercent;
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
      if (process.platform === 'linux') {
        const local = await linuxDisks().catch(() => null);
        if (local && local.length > 0) return local;
      }
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
      return { percent: await cpuLoadPercent(), average: [average[0], average[1], average[2]] };
    },
  };
}
