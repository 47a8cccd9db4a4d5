import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './port.js';

/** The caching-proxy recipe of docs/fleet.md, as shipped. */
export const FLEET_CONF = fileURLToPath(new URL('../../examples/fleet-cache/nginx.conf', import.meta.url));

/** Whether Debian's nginx with the slice module is installed here. */
export function nginxWithSlice(): boolean {
  const result = spawnSync('nginx', ['-V'], { encoding: 'utf8' });
  return result.status === 0 && `${result.stdout}${result.stderr}`.includes('http_slice_module');
}

/** Replaces `from` in `text`, failing loudly when the recipe no longer has it. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`examples/fleet-cache/nginx.conf no longer contains ${from}`);
  return text.split(from).join(to);
}

/** A running cache (the shipped config, with paths, ports and upstream for this machine). */
export interface FleetCache {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Kills master and workers at once (SIGKILL to the process group): the cache dies. */
  kill(): void;
  stop(): Promise<void>;
}

/**
 * Starts nginx with examples/fleet-cache/nginx.conf in `work`: only the cache and log paths, the
 * ports, the resolver and the upstream (the forwarder's `proxy_pass` and Host header) are replaced.
 */
export async function startFleetCache(work: string, upstream: string): Promise<FleetCache> {
  await mkdir(work, { recursive: true });
  // nginx workers run as an unprivileged user when the tests run as root.
  await chmod(work, 0o777);
  const port = await freePort();
  const forwarder = await freePort();
  let conf = await readFile(FLEET_CONF, 'utf8');
  conf = swap(conf, '/var/cache/nginx/models', path.join(work, 'cache'));
  conf = swap(conf, '/var/log/nginx/models-access.log', path.join(work, 'access.log'));
  conf = swap(conf, 'listen 8080;', `listen 127.0.0.1:${port};`);
  conf = swap(conf, '127.0.0.1:8081', `127.0.0.1:${forwarder}`);
  conf = swap(conf, 'resolver 1.1.1.1 8.8.8.8 ipv6=off;', 'resolver 127.0.0.1 ipv6=off;');
  conf = swap(conf, 'proxy_pass https://huggingface.co;', `proxy_pass ${upstream};`);
  conf = swap(conf, 'proxy_set_header Host huggingface.co;', '');
  conf = swap(
    conf,
    'worker_processes auto;',
    `worker_processes 2;\npid ${work}/nginx.pid;\nerror_log ${work}/error.log warn;`,
  );
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `  ${name}_temp_path ${path.join(work, name)};`)
    .join('\n');
  conf = swap(conf, 'http {', `http {\n${temp}`);
  const file = path.join(work, 'nginx.conf');
  await writeFile(file, conf);
  const nginx: ChildProcess = spawn('nginx', ['-p', work, '-c', file, '-g', 'daemon off;'], {
    stdio: 'inherit',
    detached: true,
  });
  await waitForPort(port);
  const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
  return {
    base: `http://127.0.0.1:${port}`,
    kill: () => {
      if (nginx.pid !== undefined && nginx.exitCode === null) process.kill(-nginx.pid, 'SIGKILL');
    },
    stop: async () => {
      if (nginx.exitCode === null && nginx.signalCode === null) {
        nginx.kill('SIGQUIT');
        await exited;
      }
    },
  };
}
