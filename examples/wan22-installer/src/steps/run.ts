import { spawn } from 'node:child_process';
import { redact } from '@wan/reliability/diagnostics';

/** After SIGTERM, a process group still alive this long later gets SIGKILL. */
const KILL_GRACE_MS = 2000;

/**
 * Runs a program; resolves with its output, rejects with the last lines of stderr in the message.
 * The program runs in its own process group: an abort (Ctrl-C, or a time budget running out) ends
 * the whole group — pip and the build processes it started — with SIGTERM, then SIGKILL.
 */
export function run(file: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const group = process.platform !== 'win32';
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    let stdout = '';
    let stderr = '';
    const signalGroup = (name: NodeJS.Signals) => {
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, name);
        else child.kill(name);
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      signalGroup('SIGTERM');
      // Kept even when the leader exits first: members of its group may ignore SIGTERM.
      setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve(stdout);
      const tail = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
      const error = new Error(
        redact(`${file} ${args[0] ?? ''} ${args[1] ?? ''} exited with ${code ?? killedBy}: ${tail}`),
      );
      reject(Object.assign(error, { code: 'ECHILD_EXIT' }));
    });
  });
}
