import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { optionalDuration } from '../../shared/validate.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link recreateVenv}. */
export interface RecreateVenvOptions {
  /** The virtual environment folder, or a function giving it per failure. Default: `ctx.data.venv`. */
  dir?: string | ((ctx: RecoveryContext) => string | undefined);
  /** The Python to create it with (default `python3`, `python` on Windows). */
  python?: string;
  /** Extra arguments for `python -m venv` (e.g. `['--system-site-packages']`, `['--without-pip']`). */
  venvArgs?: readonly string[];
  /** Limit for `python -m venv`, in ms (default 180 000). */
  timeoutMs?: number;
  /** Runs after the environment was recreated (e.g. reinstall requirements); a throw makes the strategy fail. */
  after?: (dir: string, ctx: RecoveryContext) => void | PromiseLike<void>;
}

function run(file: string, args: string[], signal: AbortSignal, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { signal, timeout, windowsHide: true }, (error, _stdout, stderr) => {
      if (error) {
        const detail = String(stderr).trim().split('\n').filter(Boolean).pop();
        reject(new Error(detail ? `${error.message.split('\n')[0]} — ${detail}` : error.message));
      } else {
        resolve();
      }
    });
  });
}

/** Why `dir` must not be cleared, or undefined when it is safe (missing, empty, or a venv). */
async function unsafe(dir: string): Promise<string | undefined> {
  const forbidden = [path.parse(dir).root, os.homedir(), process.cwd()].map((p) => path.resolve(p));
  const rel = path.relative(dir, process.cwd());
  const holdsCwd = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  if (forbidden.includes(dir) || holdsCwd) {
    return `${dir} is the file-system root, the home folder or contains the working folder`;
  }
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined; // does not exist yet: venv creates it
  }
  if (names.length === 0 || names.includes('pyvenv.cfg')) return undefined;
  return `${dir} is not empty and holds no pyvenv.cfg, so it does not look like a virtual environment`;
}

/**
 * For broken Python environments (`dependency`): recreates the virtual environment with
 * `python -m venv --clear <dir>` (then `after`, e.g. reinstalling requirements) and asks for a
 * retry. It refuses folders that are not virtual environments, so `--clear` never wipes user data.
 */
export function recreateVenv(options: RecreateVenvOptions = {}): RecoveryStrategy {
  if (options.dir !== undefined && typeof options.dir !== 'string' && typeof options.dir !== 'function') {
    throw new ConfigurationError('recreateVenv.dir', 'a folder path or a function', options.dir);
  }
  if (options.python !== undefined && (typeof options.python !== 'string' || options.python === '')) {
    throw new ConfigurationError('recreateVenv.python', 'a command name or path', options.python);
  }
  if (options.after !== undefined && typeof options.after !== 'function') {
    throw new ConfigurationError('recreateVenv.after', 'a function', options.after);
  }
  const python = options.python ?? (process.platform === 'win32' ? 'python' : 'python3');
  const timeoutMs = optionalDuration('recreateVenv.timeoutMs', options.timeoutMs) ?? 180_000;
  const venvArgs = options.venvArgs ?? [];
  if (!Array.isArray(venvArgs) || venvArgs.some((a) => typeof a !== 'string')) {
    throw new ConfigurationError('recreateVenv.venvArgs', 'an array of strings', venvArgs);
  }
  const dirOf = (ctx: RecoveryContext): string | undefined => {
    const dir = typeof options.dir === 'function' ? options.dir(ctx) : (options.dir ?? ctx.data.venv);
    return typeof dir === 'string' && dir !== '' ? path.resolve(dir) : undefined;
  };
  return {
    name: 'recreate-venv',
    description:
      'Recreates the Python virtual environment from scratch (python -m venv --clear) and tries again.',
    applies: (ctx) => dirOf(ctx) !== undefined,
    async run(ctx) {
      const dir = dirOf(ctx)!;
      const reason = await unsafe(dir);
      if (reason) {
        ctx.addManualStep(
          `The virtual environment was not recreated: ${reason}. Point the installer at a dedicated venv folder.`,
        );
        return 'fail';
      }
      try {
        await run(python, ['-m', 'venv', '--clear', ...venvArgs, dir], ctx.signal, timeoutMs);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        ctx.addManualStep(
          `Creating the virtual environment with "${python} -m venv --clear ${dir}" failed (${(error as Error).message}). Install Python's venv module (Debian/Ubuntu: the python3-venv package) and try again.`,
        );
        return 'fail';
      }
      const info = await stat(path.join(dir, 'pyvenv.cfg')).catch(() => undefined);
      if (!info?.isFile()) {
        ctx.addManualStep(`"${python} -m venv" finished but ${dir} holds no pyvenv.cfg.`);
        return 'fail';
      }
      ctx.note(`recreated the virtual environment at ${dir}`);
      if (options.after) await options.after(dir, ctx);
      return 'retry';
    },
  };
}
