import { spawn } from 'node:child_process';
import { redact } from '@wan/reliability/diagnostics';

/** Runs a program; resolves with its output, rejects with the last lines of stderr in the message. */
export function run(file: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      const tail = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
      const error = new Error(
        redact(`${file} ${args[0] ?? ''} ${args[1] ?? ''} exited with ${code}: ${tail}`),
      );
      reject(Object.assign(error, { code: 'ECHILD_EXIT' }));
    });
  });
}
