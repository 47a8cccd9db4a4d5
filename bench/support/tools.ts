/**
 * Helpers of the download benchmarks: timing commands, running the bundled Downloader child under
 * `/usr/bin/time -v`, writing random files, and starting nginx with a config of our own.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { waitForPort } from '../../test/support/port.js';

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * Writes back every dirty page first (not timed): a tool that leaves 1 GiB dirty without fsync
 * would otherwise bill its writeback to the next tool that does fsync (the Downloader).
 */
export function settleDisk(): void {
  spawnSync('sync');
}

/** Wall time of one command in seconds (after `sync`); throws when it fails. */
export function timed(command: string, args: string[]): number {
  settleDisk();
  const started = performance.now();
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1e8,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} failed with ${result.status}: ${result.stdout.slice(-2000)} ${result.stderr.slice(-2000)}`,
    );
  }
  return (performance.now() - started) / 1000;
}

/**
 * The same without blocking this process (needed when something in it serves the command, like the
 * bench's connection shaper).
 */
export async function timedAsync(command: string, args: string[]): Promise<number> {
  settleDisk();
  const started = performance.now();
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (data: Buffer) => {
    output = (output + data.toString()).slice(-4000);
  });
  proc.stderr.on('data', (data: Buffer) => {
    output = (output + data.toString()).slice(-4000);
  });
  const status = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  if (status !== 0) throw new Error(`${command} failed with ${status}: ${output}`);
  return (performance.now() - started) / 1000;
}

/** Writes `size` random bytes to `file`. */
export async function writeRandomFile(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.allocUnsafe(64 * 1024 * 1024);
  for (let written = 0; written < size; written += block.length) {
    randomFillSync(block);
    await handle.write(block, 0, Math.min(block.length, size - written));
  }
  await handle.close();
}

/** Bundles `entry` to plain ESM at `outfile`, so no loader skews the child's time or memory. */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
  });
}

/** What the bundled Downloader child reports. */
export interface ChildReport {
  seconds: number;
  maxRssBytes: number;
  wallSeconds: number;
  timeMaxRssBytes: number | undefined;
  results: { bytesTransferred: number; attempts: number; resumed: boolean }[];
}

/** Runs the bundled child under /usr/bin/time -v; wall time includes process start-up. */
export async function runChild(script: string, args: object): Promise<ChildReport> {
  settleDisk();
  const started = performance.now();
  const useTime = process.platform === 'linux';
  const proc = useTime
    ? spawn('/usr/bin/time', ['-v', process.execPath, script, JSON.stringify(args)])
    : spawn(process.execPath, [script, JSON.stringify(args)]);
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  proc.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const status = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (status !== 0) throw new Error(`downloader child failed: ${stdout} ${stderr}`);
  const report = JSON.parse(stdout.trim().split('\n').at(-1) as string) as ChildReport;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { ...report, wallSeconds, timeMaxRssBytes: rss ? Number(rss[1]) * 1024 : undefined };
}

/** A running nginx with a config of ours. */
export interface Nginx {
  readonly process: ChildProcess;
  /** Graceful stop (SIGQUIT), waiting for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `nginx -p <work> -c <work>/<name>.conf -g 'daemon off;'` with `http` as the body of the
 * http block (temp paths, pid and error log inside `work`), and waits for `port`.
 */
export async function startNginx(work: string, name: string, http: string, port: number): Promise<Nginx> {
  const conf = path.join(work, `${name}.conf`);
  await writeFile(
    conf,
    `worker_processes 1;
pid ${work}/${name}.pid;
error_log ${work}/${name}-error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${work}/client_body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  types { application/octet-stream bin; }
${http}
}
`,
  );
  const proc = spawn('nginx', ['-p', work, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
  await waitForPort(port);
  return {
    process: proc,
    stop: async () => {
      if (proc.exitCode !== null) return;
      proc.kill('SIGQUIT');
      await new Promise((resolve) => proc.once('exit', resolve));
    },
  };
}
