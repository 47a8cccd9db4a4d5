import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CheckOptions, PreflightCheck } from '../types.js';
import { checkOptions, invalidOption, optionalBoolean, requireString } from './validate.js';

/** Options for {@link command} when more than the name is needed. */
export interface CommandOptions extends CheckOptions {
  /** The executable to look for (`git-lfs`, `nvidia-smi`); a path is checked as is. */
  readonly name: string;
  /** Warn instead of fail when it is missing. */
  readonly optional?: boolean;
  /** What the command is for, shown in the remediation (`git-lfs: to fetch models from git mirrors`). */
  readonly purpose?: string;
  /** PATH to search (default process.env.PATH). */
  readonly searchPath?: string;
}

/** Finds an executable on PATH without running it (PATHEXT on Windows); null when absent. */
export async function which(
  name: string,
  searchPath = process.env.PATH ?? process.env.Path ?? '',
): Promise<string | null> {
  const windows = process.platform === 'win32';
  const extensions = windows
    ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)
    : [''];
  const candidates =
    name.includes('/') || (windows && name.includes('\\')) ? [''] : searchPath.split(path.delimiter);
  for (const folder of candidates) {
    if (folder === '' && candidates.length > 1) continue;
    for (const extension of windows && path.extname(name) ? [''] : extensions) {
      const file = folder ? path.join(folder, name + extension) : name + extension;
      try {
        const info = await stat(file);
        if (!info.isFile()) continue;
        if (!windows) await access(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** Whether a command (git, git-lfs, nvidia-smi, ffmpeg…) is on PATH. */
export function command(options: string | CommandOptions): PreflightCheck {
  const opts = checkOptions<CommandOptions>('command', options, 'name');
  requireString('command', 'name', opts.name);
  optionalBoolean('command', 'optional', opts.optional);
  for (const key of ['purpose', 'searchPath'] as const) {
    if (opts[key] !== undefined && typeof opts[key] !== 'string')
      invalidOption('command', key, 'a string', opts[key]);
  }
  return {
    id: opts.id ?? `command:${opts.name}`,
    title: `Command ${opts.name}`,
    timeout: opts.timeout ?? 5000,
    async run() {
      const found = await which(opts.name, opts.searchPath);
      if (found)
        return {
          status: 'pass',
          message: `${opts.name} found at ${found}`,
          details: { name: opts.name, path: found },
        };
      return {
        status: opts.optional ? 'warn' : 'fail',
        message: `${opts.name} not found on PATH`,
        remediation: [
          `Install ${opts.name}${opts.purpose ? ` (${opts.purpose})` : ''} and make sure it is on PATH in this shell.`,
        ],
        details: { name: opts.name, path: null },
      };
    },
  };
}
