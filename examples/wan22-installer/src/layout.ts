import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './exit.js';
import type { GlobalOptions } from './session.js';

/** Where the installer keeps things inside the install folder. */
export interface Layout {
  readonly root: string;
  readonly state: string;
  readonly journal: string;
  readonly installedManifest: string;
  readonly lock: string;
  readonly venv: string;
  readonly config: string;
  readonly reports: string;
  readonly support: string;
  readonly logs: string;
  readonly staging: string;
  readonly previous: string;
  readonly recoveryStore: string;
  /** The SDK's working folder: partial downloads, integrity stat cache, usage. */
  readonly work: string;
}

/** The install folder's layout (`--dir`, default `./wan22-models`). */
export function layoutOf(options: GlobalOptions): Layout {
  const root = path.resolve(options.dir ?? 'wan22-models');
  const state = path.join(root, '.wan22');
  const reports = path.resolve(options.reportDir ?? path.join(root, 'reports'));
  return {
    root,
    state,
    journal: path.join(state, 'journal.json'),
    installedManifest: path.join(state, 'manifest.json'),
    lock: path.join(state, 'install.lock'),
    venv: path.join(root, '.venv'),
    config: path.join(root, 'wan22.config.json'),
    reports,
    support: path.join(reports, 'support'),
    logs: path.join(root, 'logs'),
    staging: path.join(state, 'staging'),
    previous: path.join(state, 'previous'),
    recoveryStore: path.join(state, 'recovery.json'),
    work: path.join(root, '.wan-reliability'),
  };
}

/**
 * `--dir` must be a folder or not exist yet: the first existing path on the way up must be a folder
 * (a file there would surface later as a raw ENOTDIR).
 */
export function checkInstallDir(root: string): void {
  for (let at = root; ; at = path.dirname(at)) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(at).isDirectory();
    } catch {
      isDir = undefined;
    }
    if (isDir === false) {
      throw new UsageError(
        at === root
          ? `--dir ${root} is a file, not a folder. Pass the folder to install into (it is created when missing).`
          : `--dir ${root} cannot be created: ${at} is a file, not a folder. Pass another --dir.`,
      );
    }
    if (isDir === true || path.dirname(at) === at) return;
  }
}
