import type { ErrorCategory } from '../errors/category.js';

/** One parsed stack frame. */
export interface StackFrame {
  /** Function / method name as V8 printed it (`Downloader.fetch`, `async main`), when there is one. */
  readonly function?: string;
  /** File path or URL (`file://` stripped), `node:internal/…` for Node's own frames. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `file:line:column`, ready to paste into an editor. */
  readonly location: string;
  /** True for Node internals and `node_modules` frames. */
  readonly external: boolean;
}

/** An error as it appears in an {@link ErrorContext}: plain data, redacted, with its whole chain. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** Node / package error code (`ECONNRESET`, `ERR_RETRIES_EXHAUSTED`), when there is one. */
  readonly code?: string;
  readonly errno?: number;
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
  readonly platform: string;
  readonly distro: string;
  readonly release: string;
  readonly kernel: string;
  readonly arch: string;
}

/** CPU facts (static, cached). */
export interface CpuFacts {
  readonly model: string;
  readonly cores: number;
  readonly physicalCores: number;
  readonly speedGHz: number | null;
}

/** One GPU (static, cached). */
export interface GpuFacts {
  readonly vendor: string;
  readonly model: string;
  /** Dedicated memory in bytes, null when unknown. */
  readonly vramBytes: number | null;
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
  readonly totalBytes: number;
  /** Memory available to new processes without swapping (Linux `MemAvailable`). */
  readonly availableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapUsedBytes: number;
}

/** One mounted file system (dynamic). */
export interface DiskFacts {
  readonly mount: string;
  readonly fs: string;
  readonly type: string;
  readonly sizeBytes: number;
  readonly usedBytes: number;
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
  os(): Promise<OsFacts>;
  cpu(): Promise<CpuFacts>;
  gpus(): Promise<readonly GpuFacts[]>;
  python(): Promise<PythonFacts | null>;
  memory(): Promise<MemoryFacts>;
  disks(): Promise<readonly DiskFacts[]>;
  load(): Promise<LoadFacts>;
}

/** Names of the probe members, as listed in {@link SystemSnapshot.missing}. */
export type ProbeName = keyof SystemProbe;

/** What the capturer knew about the machine when the error was captured. */
export interface SystemSnapshot {
  /** ISO timestamp of the snapshot. */
  readonly takenAt: string;
  readonly os: OsFacts | null;
  readonly cpu: (CpuFacts & { readonly load: LoadFacts | null }) | null;
  readonly memory: MemoryFacts | null;
  readonly disks: readonly DiskFacts[] | null;
  readonly gpus: readonly GpuFacts[] | null;
  readonly node: {
    readonly version: string;
    readonly v8: string;
    readonly platform: string;
    readonly arch: string;
  };
  /** null when no Python answered (or the probe did not answer in time, see `missing`). */
  readonly python: PythonFacts | null;
  /** Probes that timed out or failed, with the reason: the snapshot is partial for those. */
  readonly missing: readonly {
    readonly probe: ProbeName;
    readonly reason: 'timeout' | 'error';
    readonly detail?: string;
  }[];
  /** How long the snapshot took, in ms. */
  readonly durationMs: number;
}

/** Everything captured about one failure. Plain, redacted JSON data. */
export interface ErrorContext {
  readonly schemaVersion: 1;
  /** Unique id of this context (`err_…`). */
  readonly id: string;
  /** ISO 8601 time of the capture. */
  readonly timestamp: string;
  readonly phase: string | null;
  readonly component: string | null;
  readonly operation: string | null;
  /** Correlation id given by the caller (one install, one download session), or null. */
  readonly correlationId: string | null;
  /** Ids of the contexts captured earlier with the same correlation id, oldest first. */
  readonly previousErrorIds: readonly string[];
  readonly retryCount: number;
  readonly recoveryAttempts: number;
  /** From classifyError. */
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  readonly remediation: readonly string[];
  readonly code: string | null;
  readonly status: number | null;
  /** The error with its whole cause chain. */
  readonly error: SerializedError;
  readonly system: SystemSnapshot;
  /** Allow-listed environment variables (secrets shown as [REDACTED]; proxy URLs redacted). */
  readonly env: Readonly<Record<string, string>>;
}
