import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HashPool } from '../../src/integrity/hashPool.js';
import { type Manifest, parseManifest } from '../../src/integrity/manifest.js';

/** A fresh temp folder; `cleanup()` removes it. */
export async function tempDir(
  prefix = 'wan-integrity-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Deterministic pseudo-random content (so failures reproduce). */
export function content(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export interface ServedFile {
  readonly path: string;
  readonly data: Buffer;
}

/**
 * A real loopback HTTP server serving `files` under `/<model>/<revision>/<path>` with Range support
 * and a log of every request (method, decoded path, range), so tests can count what repair fetched.
 */
export class FileServer {
  readonly requests: { method: string; path: string; range?: string }[] = [];
  /** Body bytes written per decoded path. */
  readonly served = new Map<string, number>();
  /** Paths whose next full (non-range) answer is cut after this many bytes. */
  readonly cutOnce = new Map<string, number>();
  /** Paths whose next full answer sends this many bytes, then stalls until the client goes away. */
  readonly stallOnce = new Map<string, number>();
  private readonly files = new Map<string, Buffer>();
  private server: http.Server | undefined;
  port = 0;

  set(urlPath: string, data: Buffer): void {
    this.files.set(urlPath, data);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const decoded = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.requests.push({
        method: req.method ?? 'GET',
        path: decoded,
        ...(req.headers.range ? { range: req.headers.range } : {}),
      });
      const data = this.files.get(decoded);
      if (!data) {
        res.writeHead(404).end('not found');
        return;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
        if (start >= data.length) {
          res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
          return;
        }
        this.served.set(decoded, (this.served.get(decoded) ?? 0) + end - start + 1);
        res.writeHead(206, {
          'content-length': end - start + 1,
          'content-range': `bytes ${start}-${end}/${data.length}`,
          'accept-ranges': 'bytes',
          etag: `"${sha256(data).slice(0, 16)}"`,
        });
        res.end(data.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, {
        'content-length': data.length,
        'accept-ranges': 'bytes',
        etag: `"${sha256(data).slice(0, 16)}"`,
      });
      const stall = this.stallOnce.get(decoded);
      if (stall !== undefined) {
        this.stallOnce.delete(decoded);
        this.served.set(decoded, (this.served.get(decoded) ?? 0) + stall);
        res.write(data.subarray(0, stall));
        return;
      }
      const cut = this.cutOnce.get(decoded);
      if (cut !== undefined) {
        this.cutOnce.delete(decoded);
        this.served.set(decoded, (this.served.get(decoded) ?? 0) + cut);
        res.write(data.subarray(0, cut), () => res.destroy());
        return;
      }
      this.served.set(decoded, (this.served.get(decoded) ?? 0) + data.length);
      res.end(data);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The mirror base URL for a model, with the `{revision}` placeholder. */
  mirror(model: string): string {
    return `http://127.0.0.1:${this.port}/${model}/{revision}/`;
  }

  /** GET requests (downloads) so far, optionally only those for one file path suffix. */
  downloads(suffix?: string): { method: string; path: string; range?: string }[] {
    return this.requests.filter(
      (r) => r.method === 'GET' && (suffix === undefined || r.path.endsWith(`/${suffix}`)),
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A manifest file with its bytes. */
export interface FixtureFile {
  readonly path: string;
  readonly data: Buffer;
}

/** Builds a manifest for `models` served by `server` (each file under `/<model>/<revision>/<path>`). */
export function serveModels(
  server: FileServer,
  models: Record<string, readonly FixtureFile[]>,
  revision = 'rev1',
): {
  schemaVersion: 1;
  models: {
    id: string;
    revision: string;
    mirrors: string[];
    files: { path: string; size: number; sha256: string }[];
  }[];
} {
  return {
    schemaVersion: 1,
    models: Object.entries(models).map(([id, files]) => {
      for (const file of files) server.set(`/${id}/${revision}/${file.path}`, file.data);
      return {
        id,
        revision,
        mirrors: [server.mirror(id)],
        files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256(f.data) })),
      };
    }),
  };
}

/** Writes every fixture file into `<root>/<model>/<path>`. */
export async function install(root: string, models: Record<string, readonly FixtureFile[]>): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  for (const [id, files] of Object.entries(models)) {
    for (const file of files) {
      const dest = path.join(root, id, ...file.path.split('/'));
      await mkdir(path.dirname(dest), { recursive: true });
      await writeFile(dest, file.data);
    }
  }
}

/** What the checker and repair tests start from; `stop()` stops the server, the pool, then removes `root`. */
export interface IntegrityEnv {
  readonly root: string;
  readonly server: FileServer;
  readonly manifest: Manifest;
  readonly pool: HashPool;
  readonly stop: () => Promise<void>;
}

/** A temp root, a loopback server serving `models`, their manifest, and a two-worker hash pool. */
export async function startIntegrityEnv(
  models: Record<string, readonly FixtureFile[]>,
): Promise<IntegrityEnv> {
  const { dir: root, cleanup } = await tempDir();
  const server = await new FileServer().start();
  const manifest = parseManifest(serveModels(server, models));
  const pool = new HashPool({ size: 2 });
  const stop = async () => {
    await server.stop();
    await pool.close();
    await cleanup();
  };
  return { root, server, manifest, pool, stop };
}
