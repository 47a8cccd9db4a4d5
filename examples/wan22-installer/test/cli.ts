import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installer's launcher. */
export const CLI = fileURLToPath(new URL('../bin/wan22-install.mjs', import.meta.url));

/** What a finished CLI run gave. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as a child (non-interactive: CI=true, no TTY). */
export function start(
  args: readonly string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Resolves `delayMs` after `text` first appears on the child's stderr (chunk boundaries do not matter). */
export function afterStderr(
  child: ChildProcess,
  text: string,
  delayMs: number,
  timeoutMs = 40_000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`"${text}" never appeared on stderr:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      setTimeout(resolve, delayMs);
    };
    child.stderr?.on('data', onData);
  });
}

/** Runs the CLI to the end. */
export function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return start(args, env).done;
}

/** Parses the JSON result on stdout (the whole of stdout under --json). */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\n--- stderr:\n${run.stderr}`);
  }
}

/** Every regular file under `dir` (relative paths). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await listFiles(dir)) {
    const data = await readFile(path.join(dir, file));
    if (data.includes(needle)) hits.push(file);
  }
  return hits;
}
