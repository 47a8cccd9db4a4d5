import type { SemVer } from 'semver';
import { detectGpus } from '../../capture/probe.js';
import type { GpuFacts } from '../../capture/types.js';
import type { CheckOptions, PreflightCheck } from '../types.js';
import { formatBytes, semverLib } from './shared.js';
import { checkOptions, invalidOption, optionalBytes, optionalFunction } from './validate.js';

/** The WAN2.2 models {@link WAN22_VRAM_REQUIREMENTS} knows. */
export type Wan22Model = 'Wan2.2-T2V-A14B' | 'Wan2.2-I2V-A14B' | 'Wan2.2-TI2V-5B';

/**
 * VRAM the WAN2.2 README asks for to run a model on one GPU (decimal GB, so that an "80 GB" card
 * reporting 81 559 MiB passes).
 */
export const WAN22_VRAM_REQUIREMENTS: Readonly<Record<Wan22Model, number>> &
  Readonly<Record<string, number | undefined>> = Object.freeze({
  'Wan2.2-T2V-A14B': 80e9,
  'Wan2.2-I2V-A14B': 80e9,
  'Wan2.2-TI2V-5B': 24e9,
});

/** Options for {@link gpu}. */
export interface GpuOptions extends CheckOptions {
  /** VRAM the best GPU must have (e.g. `WAN22_VRAM_REQUIREMENTS['Wan2.2-TI2V-5B']`). */
  readonly minVramBytes?: number;
  /** Lowest acceptable driver version (`535.54`, compared numerically). */
  readonly minDriverVersion?: string;
  /** Source of the GPU list (tests, other vendors); default nvidia-smi, then systeminformation. */
  readonly detect?: () => Promise<readonly GpuFacts[]>;
}

function version(text: string | null | undefined): SemVer | null {
  if (!text) return null;
  return semverLib().coerce(text, { loose: true });
}

/**
 * The GPUs against the model's needs: warn (not fail) when no GPU is found — the installer can
 * still download, but generation will not run here; fail when the best GPU has less VRAM than
 * `minVramBytes` or its driver is older than `minDriverVersion`.
 */
export function gpu(given: GpuOptions = {}): PreflightCheck {
  const options = checkOptions<GpuOptions>('gpu', given);
  optionalBytes('gpu', 'minVramBytes', options.minVramBytes);
  const driver = options.minDriverVersion;
  if (driver !== undefined && (typeof driver !== 'string' || !version(driver))) {
    invalidOption('gpu', 'minDriverVersion', "a version such as '535.54'", driver);
  }
  const detect =
    optionalFunction<NonNullable<GpuOptions['detect']>>('gpu', 'detect', options.detect) ??
    (() => detectGpus());
  return {
    id: options.id ?? 'gpu',
    title: 'GPU',
    timeout: options.timeout ?? 15_000,
    async run() {
      const gpus = await detect();
      const details = {
        gpus,
        minVramBytes: options.minVramBytes ?? null,
        minDriverVersion: options.minDriverVersion ?? null,
      };
      if (gpus.length === 0) {
        return {
          status: 'warn',
          message: 'No GPU found',
          remediation: [
            'The models can be downloaded, but generating video needs a CUDA GPU (WAN2.2: TI2V-5B ≥ 24 GB VRAM, A14B models ≥ 80 GB on one GPU).',
            'If this machine has an NVIDIA GPU, install its driver so that `nvidia-smi` works.',
          ],
          details,
        };
      }
      const best = [...gpus].sort((a, b) => (b.vramBytes ?? 0) - (a.vramBytes ?? 0))[0]!;
      const describe = `${best.vendor} ${best.model}, ${best.vramBytes === null ? 'VRAM unknown' : formatBytes(best.vramBytes)}, driver ${best.driverVersion ?? 'unknown'}`;
      const problems: string[] = [];
      const remediation: string[] = [];
      if (options.minVramBytes !== undefined) {
        if (best.vramBytes === null) {
          return {
            status: 'warn',
            message: `${describe}: VRAM size unknown, ${formatBytes(options.minVramBytes)} needed`,
            remediation: ['Check the GPU memory with `nvidia-smi`.'],
            details,
          };
        }
        if (best.vramBytes < options.minVramBytes) {
          problems.push(`${formatBytes(best.vramBytes)} VRAM, ${formatBytes(options.minVramBytes)} needed`);
          remediation.push(
            'Choose a model that fits (WAN2.2 TI2V-5B needs ~24 GB), or use offloading options (--offload_model True --convert_model_dtype --t5_cpu) or several GPUs.',
          );
        }
      }
      if (options.minDriverVersion !== undefined) {
        const found = version(best.driverVersion);
        const wanted = version(options.minDriverVersion)!;
        if (!found) {
          return {
            status: 'warn',
            message: `${describe}: driver version unknown, ${options.minDriverVersion} needed`,
            remediation: ['Check the driver version with `nvidia-smi`.'],
            details,
          };
        }
        if (semverLib().lt(found, wanted)) {
          problems.push(`driver ${best.driverVersion} older than ${options.minDriverVersion}`);
          remediation.push(`Update the GPU driver to ${options.minDriverVersion} or newer.`);
        }
      }
      if (problems.length > 0) {
        return { status: 'fail', message: `${describe}: ${problems.join('; ')}`, remediation, details };
      }
      return {
        status: 'pass',
        message: gpus.length > 1 ? `${describe} (+${gpus.length - 1} more)` : describe,
        details,
      };
    },
  };
}
