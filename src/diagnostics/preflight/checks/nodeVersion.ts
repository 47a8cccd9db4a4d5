import type { CheckOptions, PreflightCheck } from '../types.js';
import { semverLib } from './shared.js';
import { checkOptions, optionalString, requireRange } from './validate.js';

/** Options for {@link nodeVersion} when more than the range is needed. */
export interface NodeVersionOptions extends CheckOptions {
  /** Semver range the running Node.js must satisfy (`>=20.19`); prereleases count. */
  readonly range: string;
  /** The version to test (tests); default process.version. */
  readonly version?: string;
}

/** The running Node.js against a semver range (`>=20.19`). */
export function nodeVersion(options: string | NodeVersionOptions): PreflightCheck {
  const opts = checkOptions<NodeVersionOptions>('nodeVersion', options, 'range');
  requireRange('nodeVersion', opts.range, (range) => semverLib().validRange(range) !== null);
  optionalString('nodeVersion', 'version', opts.version);
  return {
    id: opts.id ?? 'node-version',
    title: 'Node.js',
    timeout: opts.timeout ?? 1000,
    run() {
      const current = opts.version ?? process.version;
      const details = { version: current, range: opts.range };
      if (semverLib().satisfies(current, opts.range, { includePrerelease: true })) {
        return { status: 'pass', message: `${current} satisfies ${opts.range}`, details };
      }
      return {
        status: 'fail',
        message: `${current} does not satisfy ${opts.range}`,
        remediation: [
          `Install a Node.js version matching ${opts.range} (for example with nvm, fnm or volta).`,
        ],
        details,
      };
    },
  };
}
