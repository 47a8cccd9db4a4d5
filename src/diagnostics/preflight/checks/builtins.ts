import { command } from './command.js';
import { diskSpace } from './diskSpace.js';
import { gpu } from './gpu.js';
import { memory } from './memory.js';
import { network } from './network.js';
import { nodeVersion } from './nodeVersion.js';
import { pythonVersion } from './pythonVersion.js';
import { writable } from './writable.js';

/**
 * The built-in preflight check factories, as one namespace (also `PreflightValidator.checks`):
 * generic names such as `memory` or `command` read well only next to their area.
 *
 * @example
 * ```ts
 * import { checks, PreflightValidator } from '@wan/reliability/diagnostics';
 * const report = await new PreflightValidator({
 *   checks: [checks.diskSpace({ path: '/models', requiredBytes: 80e9 }), checks.writable('/models')],
 * }).run();
 * ```
 */
export const checks = Object.freeze({
  /** Free space on the volume of an install folder. */
  diskSpace,
  /** Whether files can be created in a folder. */
  writable,
  /** Whether hosts / mirrors answer a HEAD request. */
  network,
  /** Physical and available memory against a requirement. */
  memory,
  /** GPU presence and VRAM against a requirement. */
  gpu,
  /** The running Node.js against a semver range. */
  nodeVersion,
  /** The Python on PATH against a semver range. */
  pythonVersion,
  /** Whether an executable is on PATH. */
  command,
});

/** The type of {@link checks}. */
export type PreflightChecks = typeof checks;
