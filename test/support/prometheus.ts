import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './port.js';

/** One sample of a Prometheus instant-query result. */
export interface QuerySample {
  readonly value: [number, string];
}

/** A real Prometheus (the Debian binary) scraping loopback targets every second. */
export interface RunningPrometheus {
  /** Runs an instant query; an empty list until the answer is a success. */
  query(expr: string): Promise<QuerySample[]>;
  /** What Prometheus logged so far. */
  log(): string;
  /** Stops it and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts Prometheus on a free loopback port with one job, `wan`, scraping `targets` (`host:port`). */
export async function startPrometheus(
  targets: readonly string[],
  options: { logLevel?: 'info' | 'debug' } = {},
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(path.join(tmpdir(), 'prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: wan',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const lines: string[] = [];
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--log.level=${options.logLevel ?? 'info'}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => lines.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()));
  return {
    async query(expr) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data: { result: QuerySample[] } };
      return body.status === 'success' ? body.data.result : [];
    },
    log: () => lines.join(''),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
