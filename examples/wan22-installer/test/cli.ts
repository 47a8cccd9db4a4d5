import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/**
 * A Hugging Face home that does not exist: no test ever reads the real `~/.cache/huggingface/token`
 * of the machine it runs on (tests that need a token file pass their own HF_HOME).
 */
export const NO_HF_HOME = path.join(tmpdir(), `wan22-no-hf-home-${process.pid}`);

/** The environment every CLI child gets: non-interactive, no colours, no token from the machine. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1', HF_HOME: NO_HF_HOME };
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'XDG_CACHE_HOME'])
    delete base[name];
  return { ...base, ...env };
}

/** Starts the CLI as a child (non-interactive: CI=true, no TTY). */
export function start(
  args: readonly string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(env),
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
  text: string | RegExp,
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
      if (typeof text === 'string' ? !seen.includes(text) : !text.test(seen)) return;
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
