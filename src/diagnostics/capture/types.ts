import type { ErrorCategory } from '../../errors/category.js';

/** One parsed stack frame. */
export interface StackFrame {
  /** Function / method name as V8 printed it (`Downloader.fetch`, `async main`), when there is one. */
  readonly function?: string;
  /** File path or URL (`file://` stripped), `node:internal/…` for Node's own frames. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column number. */
  readonly column: number;
  /** `file:line:column`, ready to paste into an editor. */
  readonly location: string;
  /** True for Node internals and `node_modules` frames. */
  readonly external: boolean;
}

/** An error as it appears in an {@link ErrorContext}: plain data, redacted, with its whole chain. */
export interface SerializedError {
  /** The error's `name` (`HttpError`, `TypeError`); for a thrown non-error, its type (`string`, `NonError`). */
  readonly name: string;
  /** Redacted message, cut to `limits.maxMessageLength` characters. */
  readonly message: string;
  /** Node / package error code (`ECONNRESET`, `ERR_RETRIES_EXHAUSTED`), when there is one. */
  readonly code?: string;
  /** Node system error number (negative on POSIX, e.g. -104 for ECONNRESET), when present. */
  readonly errno?: number;
  /** The system call that failed (`connect`, `open`, `write`), for Node system errors. */
  readonly syscall?: string;
  /** HTTP status carried by the error. */
  readonly status?: number;
  /** The error's category when it carries one (the package's own errors do). */
  readonly category?: string;
  /** The stack's frame lines as printed (`at fn (file:line:col)`), without the message line. */
  readonly stack: readonly string[];
  /** The same frames, parsed. */
  readonly frames: readonly StackFrame[];
  /** Other own properties (hostname, port, path, attempts, …), redacted. */
  readonly properties?: Readonly<Record<string, unknown>>;
  /** The `cause`, serialized the same way (the chain ends after 10 levels or at a cycle). */
  readonly cause?: SerializedError;
  /** For AggregateError (and anything with an `errors` array): each inner error. */
  readonly errors?: readonly SerializedError[];
}

/** Operating system facts (static, cached). */
export interface OsFacts {
  /** Node-style platform name: `linux`, `win32`, `darwin`. */
  readonly platform: string;
  /** Distribution or product name (`Debian GNU/Linux`, `Microsoft Windows 11 Pro`). */
  readonly distro: string;
  /** Distribution / OS release (`12`, `10.0.22631`). */
  readonly release: string;
  /** Kernel version (`6.1.0-18-amd64`). */
  readonly kernel: string;
  /** CPU architecture the OS runs on (`x64`, `arm64`). */
  readonly arch: string;
}

/** CPU facts (static, cached). */
export interface CpuFacts {
  /** Manufacturer and brand (`Intel Core i9-13900K`), `unknown` when nothing reports it. */
  readonly model: string;
  /** Logical CPUs (hardware threads). */
  readonly cores: number;
  /** Physical cores (equals `cores` when the count is unknown). */
  readonly physicalCores: number;
  /** Base clock in GHz, null when unknown. */
  readonly speedGHz: number | null;
}

/** One GPU (static, cached). */
export interface GpuFacts {
  /** Vendor (`NVIDIA`, `AMD`, `Intel`), `unknown` when not reported. */
  readonly vendor: string;
  /** Model name (`NVIDIA GeForce RTX 4090`), `unknown` when not reported. */
  readonly model: string;
  /** Dedicated memory in bytes, null when unknown. */
  readonly vramBytes: number | null;
  /** Driver version (`550.54.14`), null when unknown. */
  readonly driverVersion: string | null;
  /** Where the facts came from. */
  readonly source: 'nvidia-smi' | 'systeminformation' | 'custom';
}

/** The Python interpreter found on PATH (static, cached). */
export interface PythonFacts {
  /** `3.11.7` */
  readonly version: string;
  /** The command that answered: `python3` or `python`. */
  readonly command: string;
}

/** Memory (dynamic). */
export interface MemoryFacts {
  /** Physical memory in bytes. */
  readonly totalBytes: number;
  /** Memory available to new processes without swapping (Linux `MemAvailable`). */
  readonly availableBytes: number;
  /** Swap space in bytes (0 without swap). */
  readonly swapTotalBytes: number;
  /** Swap in use, in bytes. */
  readonly swapUsedBytes: number;
}

/** One mounted file system (dynamic). */
export interface DiskFacts {
  /** Mount point (`/`, `/data`, `C:`). */
  readonly mount: string;
  /** The mounted device or file system source (`/dev/nvme0n1p2`). */
  readonly fs: string;
  /** File system type (`ext4`, `xfs`, `NTFS`). */
  readonly type: string;
  /** Size of the file system in bytes. */
  readonly sizeBytes: number;
  /** Bytes in use (including blocks reserved for root). */
  readonly usedBytes: number;
  /** Bytes this user can still write (excludes blocks reserved for root). */
  readonly availableBytes: number;
}

/** CPU load (dynamic). */
export interface LoadFacts {
  /** Current CPU load in percent (0–100), null when unknown. */
  readonly percent: number | null;
  /** 1, 5 and 15 minute load averages (zeros on Windows). */
  readonly average: readonly [number, number, number];
}

/**
 * Where system facts come from. The default uses systeminformation, `nvidia-smi` and
 * `python3 --version`; inject your own (all or some members) in tests or exotic environments.
 * Every member may be slow or hang: the capturer bounds each call.
 */
export interface SystemProbe {
  /** Operating system facts; asked once and cached. */
  os(): Promise<OsFacts>;
  /** CPU facts; asked once and cached. */
  cpu(): Promise<CpuFacts>;
  /** GPUs (empty when none was found); asked once and cached. */
  gpus(): Promise<readonly GpuFacts[]>;
  /** The Python on PATH, null when none answers; asked once and cached. */
  python(): Promise<PythonFacts | null>;
  /** Memory now; asked at every snapshot. */
  memory(): Promise<MemoryFacts>;
  /** Local file systems now; asked at every snapshot. */
  disks(): Promise<readonly DiskFacts[]>;
  /** CPU load now; asked at every snapshot. */
  load(): Promise<LoadFacts>;
}

/** Names of the probe members, as listed in {@link SystemSnapshot.missing}. */
export type ProbeName = keyof SystemProbe;

/** What the capturer knew about the machine when the error was captured. */
export interface SystemSnapshot {
  /** ISO timestamp of the snapshot. */
  readonly takenAt: string;
  /** null when the `os` probe failed or timed out (see `missing`). */
  readonly os: OsFacts | null;
  /** CPU facts with the current load; null when the `cpu` probe failed or timed out. */
  readonly cpu:
    | (CpuFacts & {
        /** Load at the snapshot, null when the `load` probe failed or timed out. */
        readonly load: LoadFacts | null;
      })
    | null;
  /** null when the `memory` probe failed or timed out. */
  readonly memory: MemoryFacts | null;
  /** Local file systems, sorted by mount point; null when the `disks` probe failed or timed out. */
  readonly disks: readonly DiskFacts[] | null;
  /** Empty when no GPU was found; null when the `gpus` probe failed or timed out. */
  readonly gpus: readonly GpuFacts[] | null;
  /** The running Node.js (always known: read from `process`). */
  readonly node: {
    /** `process.version`, e.g. `v20.20.0`. */
    readonly version: string;
    /** The V8 version. */
    readonly v8: string;
    /** `process.platform`. */
    readonly platform: string;
    /** `process.arch`. */
    readonly arch: string;
  };
  /** null when no Python answered (or the probe did not answer in time, see `missing`). */
  readonly python: PythonFacts | null;
  /** Probes that timed out or failed, with the reason: the snapshot is partial for those. */
  readonly missing: readonly {
    /** The probe member that gave no answer. */
    readonly probe: ProbeName;
    /** `timeout`: no answer within `snapshotTimeout`; `error`: it threw or rejected. */
    readonly reason: 'timeout' | 'error';
    /** For `error`: the error's message. */
    readonly detail?: string;
  }[];
  /** How long the snapshot took, in ms. */
  readonly durationMs: number;
}

/** Everything captured about one failure. Plain, redacted JSON data. */
export interface ErrorContext {
  /** Version of this shape; bumped on incompatible changes. */
  readonly schemaVersion: 1;
  /** Unique id of this context (`err_…`). */
  readonly id: string;
  /** ISO 8601 time of the capture. */
  readonly timestamp: string;
  /** Installer phase given to `capture` (`download`, `verify`, …), or null. */
  readonly phase: string | null;
  /** Component given to `capture` (`downloader`, `pip`), or null. */
  readonly component: string | null;
  /** Operation given to `capture` (`download Wan2.2_VAE.pth`), or null. */
  readonly operation: string | null;
  /** Correlation id given by the caller (one install, one download session), or null. */
  readonly correlationId: string | null;
  /** Ids of the contexts captured earlier with the same correlation id, oldest first. */
  readonly previousErrorIds: readonly string[];
  /** Retries made before the failure, as the caller reported (0 when not given). */
  readonly retryCount: number;
  /** Recovery strategies tried before the failure, as the caller reported (0 when not given). */
  readonly recoveryAttempts: number;
  /** From classifyError. */
  readonly category: ErrorCategory;
  /** Whether classifyError considers the failure worth retrying. */
  readonly retryable: boolean;
  /** What a person can do about it, most useful first (from classifyError, redacted). */
  readonly remediation: readonly string[];
  /** Error code (`ECONNRESET`, `ERR_DISK_FULL`), null when none. */
  readonly code: string | null;
  /** HTTP status carried by the error, null when none. */
  readonly status: number | null;
  /** The error with its whole cause chain. */
  readonly error: SerializedError;
  /** The machine at capture time (partial when probes were slow; see `system.missing`). */
  readonly system: SystemSnapshot;
  /** Allow-listed environment variables (secrets shown as [REDACTED]; proxy URLs redacted). */
  readonly env: Readonly<Record<string, string>>;
}
