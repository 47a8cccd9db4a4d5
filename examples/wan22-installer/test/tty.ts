import { spawn, spawnSync } from 'node:child_process';
import { CLI, cliEnv } from './cli.js';

/** Whether util-linux `script` is here to give the CLI a pseudo-terminal. */
export const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** One scripted answer: when `when` first shows up in the terminal, type `send`. */
export interface Answer {
  readonly when: string | RegExp;
  readonly send: string;
}

/** What a terminal session gave. */
export interface TtyRun {
  readonly code: number | null;
  /** Everything the terminal showed (stdout and stderr share it), escape sequences included. */
  readonly screen: string;
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the CLI in a pseudo-terminal (`script -qfec`, util-linux) so that stdin and stdout are TTYs:
 * prompts appear and are answered from `answers`, in order, each once. CI is unset there (CI means
 * "never prompt").
 */
export function tty(
  args: readonly string[],
  answers: readonly Answer[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<TtyRun> {
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...cliEnv(env), CI: '', TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let next = 0;
  const onData = (chunk: Buffer) => {
    screen += chunk.toString();
    const answer = answers[next];
    if (!answer) return;
    const seen = typeof answer.when === 'string' ? screen.includes(answer.when) : answer.when.test(screen);
    if (!seen) return;
    next++;
    // A short pause: the prompt starts reading only once it has drawn itself.
    setTimeout(() => child.stdin.write(answer.send), 300);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`terminal session timed out; it showed:\n${screen.slice(-3000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}
