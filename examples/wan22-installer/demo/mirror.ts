import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_MODELS, type DemoFile, demoFiles, demoRevision } from './files.js';

/** Options of the demo mirror. */
export interface DemoMirrorOptions {
  /** Inject faults on the `flaky` mirror (default true). */
  faults?: boolean;
  /** When set, the flaky mirror answers 401 to requests of the TI2V VAE without `Bearer <token>`. */
  token?: string;
  /** Port (default: any free one). */
  port?: number;
  /** The demo version each model's `main` branch points at in the Hub API (default 1 for every model). */
  heads?: Readonly<Record<string, number>>;
}

/** What the mirror saw, for tests and the demo's closing lines. */
export interface MirrorStats {
  requests: number;
  /** Requests that carried an Authorization header (tests check where HF_TOKEN went). */
  authorized: number;
  faults: Record<string, number>;
}

/** A running demo mirror. */
export interface DemoMirror {
  readonly url: string;
  readonly stats: MirrorStats;
  close(): Promise<void>;
}

type Fault = 'cut' | '503' | '429' | '404' | '401';

/**
 * The built-in local mirror: serves WAN2.2-shaped synthetic files on 127.0.0.1 from three mirrors —
 * `flaky` (cuts bodies, answers 503 and 429 with Retry-After: 1, lags with a 404), `corrupt` (right
 * length, one flipped byte) and `good` — plus a broken Python package index (`/simple/`, 503) and
 * the Hub API shape for `manifest pin` (`/api/models/{repo}/tree/{rev}`, `/api/models/{repo}/revision/{rev}`).
 */
export async function startDemoMirror(options: DemoMirrorOptions = {}): Promise<DemoMirror> {
  const faultsOn = options.faults ?? true;
  const versions = new Map<string, { version: number; files: DemoFile[] }>();
  for (const version of [1, 2]) {
    const files = demoFiles(version);
    for (const m of DEMO_MODELS) versions.set(`${m.id}@${demoRevision(m.id, version)}`, { version, files });
  }
  const counts = new Map<string, number>();
  const stats: MirrorStats = { requests: 0, authorized: 0, faults: {} };

  const planned = (file: DemoFile, count: number): Fault | undefined => {
    if (!faultsOn) return undefined;
    const key = `${file.model}/${file.path}`;
    if (key === 'Wan2.2-I2V-A14B/high_noise_model/diffusion_pytorch_model-00001-of-00001.safetensors')
      return '404';
    if (options.token && key === 'Wan2.2-TI2V-5B/Wan2.2_VAE.pth') return '401';
    if (key === 'Wan2.2-TI2V-5B/diffusion_pytorch_model-00002-of-00002.safetensors' && count <= 2)
      return '503';
    if (key === 'Wan2.2-T2V-A14B/Wan2.1_VAE.pth' && count === 1) return '429';
    if (file.data.length > 100_000 && count === 1) return 'cut';
    return undefined;
  };

  const serveFile = (
    req: IncomingMessage,
    res: ServerResponse,
    file: DemoFile,
    data: Buffer,
    fault?: Fault,
  ) => {
    const etag = `"${file.sha256.slice(0, 32)}"`;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === etag)) start = Number(range[1]);
    if (start >= data.length && data.length > 0) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    const body = data.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      'accept-ranges': 'bytes',
      etag,
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    if (fault === 'cut') {
      res.write(body.subarray(0, Math.floor(body.length * 0.4)), () => res.destroy());
      return;
    }
    res.end(body);
  };

  const hubApi = (res: ServerResponse, parts: string[], search: URLSearchParams) => {
    // /api/models/Wan-AI/<model>/(tree|revision)/<rev>
    const [, , owner, model, kind, rev] = parts;
    const meta = DEMO_MODELS.find((m) => m.id === model);
    if (owner !== 'Wan-AI' || !meta || !rev)
      return void res.writeHead(404).end('{"error":"Repository not found"}');
    const sha = rev === 'main' ? demoRevision(meta.id, options.heads?.[meta.id] ?? 1) : rev;
    const entry = versions.get(`${meta.id}@${sha}`);
    if (!entry) return void res.writeHead(404).end('{"error":"Revision not found"}');
    res.setHeader('content-type', 'application/json');
    if (kind === 'revision') return void res.end(JSON.stringify({ id: `Wan-AI/${meta.id}`, sha }));
    if (kind !== 'tree' || search.get('recursive') !== 'true') return void res.writeHead(400).end('{}');
    const files = entry.files.filter((f) => f.model === meta.id);
    const dirs = [
      ...new Set(
        files.flatMap((f) =>
          f.path
            .split('/')
            .slice(0, -1)
            .map((_, i, a) => a.slice(0, i + 1).join('/')),
        ),
      ),
    ];
    const tree = [
      ...dirs.map((d) => ({ type: 'directory', oid: '0'.repeat(40), size: 0, path: d })),
      { type: 'file', oid: 'a'.repeat(40), size: 1519, path: '.gitattributes' },
      ...files.map((f) =>
        f.data.length > 10_000
          ? {
              type: 'file',
              oid: 'b'.repeat(40),
              size: f.data.length,
              path: f.path,
              lfs: { oid: f.sha256, size: f.data.length, pointerSize: 134 },
            }
          : { type: 'file', oid: 'c'.repeat(40), size: f.data.length, path: f.path },
      ),
    ];
    res.end(JSON.stringify(tree));
  };

  const server = createServer((req, res) => {
    stats.requests++;
    if (req.headers.authorization !== undefined) stats.authorized++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'simple')
      return void res.writeHead(503, { 'retry-after': '1' }).end('index down for the demo');
    if (parts[0] === 'api' && parts[1] === 'models') return hubApi(res, parts, url.searchParams);
    // /<kind>/Wan-AI/<model>/resolve/<rev>/<path…>, or the Hub's /Wan-AI/<model>/resolve/<rev>/<path…>
    const offset = parts[0] === 'Wan-AI' ? -1 : 0;
    const kind = offset === 0 ? parts[0] : 'good';
    const model = parts[2 + offset];
    const rev = parts[4 + offset];
    const filePath = parts.slice(5 + offset).join('/');
    const entry = versions.get(`${model}@${rev}`);
    const file = entry?.files.find((f) => f.model === model && f.path === filePath);
    if (!file || parts[3 + offset] !== 'resolve') return void res.writeHead(404).end('not found');
    const key = `${kind} ${model}/${filePath}@${rev}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const fault = kind === 'flaky' ? planned(file, count) : undefined;
    if (fault === '401' && req.headers.authorization !== `Bearer ${options.token}`) {
      stats.faults['401'] = (stats.faults['401'] ?? 0) + 1;
      return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('token required');
    }
    if (fault && fault !== '401') stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
    if (fault === '404') return void res.writeHead(404).end('not on this mirror yet');
    if (fault === '503') return void res.writeHead(503).end('busy');
    if (fault === '429') return void res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    let data = file.data;
    if (kind === 'corrupt' && data.length > 10_000) {
      data = Buffer.from(data);
      const at = Math.floor(data.length / 2);
      data[at] = (data[at] ?? 0) ^ 0x01;
      stats.faults.corrupt = (stats.faults.corrupt ?? 0) + 1;
    }
    serveFile(req, res, file, data, fault === 'cut' ? 'cut' : undefined);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
