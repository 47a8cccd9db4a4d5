import { detectPython } from '../../capture/probe.js';
import type { PythonFacts } from '../../capture/types.js';
import type { CheckOptions, PreflightCheck } from '../types.js';
import { semverLib } from './shared.js';
import { checkOptions, optionalFunction, requireRange } from './validate.js';

/** Options for {@link pythonVersion} when more than the range is needed. */
export interface PythonVersionOptions extends CheckOptions {
  /** Semver range the Python on PATH must satisfy (`>=3.10 <3.13`). */
  readonly range: string;
  /** Source of the Python facts (tests); default `python3 --version`, then `python --version`. */
  readonly detect?: () => Promise<PythonFacts | null>;
}

/** The Python on PATH against a semver range (`>=3.10 <3.13`); fail when none is found. */
export function pythonVersion(options: string | PythonVersionOptions): PreflightCheck {
  const opts = checkOptions<PythonVersionOptions>('pythonVersion', options, 'range');
  requireRange('pythonVersion', opts.range, (range) => semverLib().validRange(range) !== null);
  const detect =
    optionalFunction<NonNullable<PythonVersionOptions['detect']>>('pythonVersion', 'detect', opts.detect) ??
    (() => detectPython());
  return {
    id: opts.id ?? 'python-version',
    title: 'Python',
    timeout: opts.timeout ?? 10_000,
    async run() {
      const python = await detect();
      if (!python) {
        return {
          status: 'fail',
          message: 'No Python found on PATH (tried python3 and python)',
          remediation: [
            `Install Python ${opts.range} and make sure \`python3 --version\` works in this shell.`,
          ],
          details: { range: opts.range, version: null },
        };
      }
      const details = { range: opts.range, version: python.version, command: python.command };
      const parsed = semverLib().coerce(python.version, { includePrerelease: true });
      if (parsed && semverLib().satisfies(parsed, opts.range, { includePrerelease: true })) {
        return {
          status: 'pass',
          message: `Python ${python.version} (${python.command}) satisfies ${opts.range}`,
          details,
        };
      }
      return {
        status: 'fail',
        message: `Python ${python.version} (${python.command}) does not satisfy ${opts.range}`,
        remediation: [
          `Install Python ${opts.range} (pyenv, conda or your package manager) and put it first on PATH, or activate a virtual environment that has it.`,
        ],
        details,
      };
    },
  };
}
