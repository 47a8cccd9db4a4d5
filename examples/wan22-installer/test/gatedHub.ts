import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoFiles, demoManifest } from '../demo/files.js';

/** The model the gated Hub serves. */
export const GATED_MODEL = 'Wan2.2-TI2V-5B';

/** A running gated Hub. */
export interface GatedHub {
  readonly url: string;
  /** Answers so far: 401 (no token), 403 (a token that is not the accepted one), 200/206 (served). */
  readonly counts: { 401: number; 403: number; served: number };
  /** A manifest listing only the gated model, with this Hub as its one mirror. */
  manifest(): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * A loopback server shaped like the Hub's `resolve` endpoint for a gated repository: without a
 * token 401 (`WWW-Authenticate: Bearer`), with a token whose account did not accept the licence 403,
 * with the right one the file (Range honoured).
 */
export async function startGatedHub(token: string): Promise<GatedHub> {
  const files = demoFiles(1).filter((f) => f.model === GATED_MODEL);
  const counts = { 401: 0, 403: 0, served: 0 };
  const server = createServer((req, res) => {
    const parts = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/').map(decodeURIComponent);
    // /Wan-AI/<model>/resolve/<revision>/<path…>
    const file = files.find(
      (f) => f.model === parts[2] && parts[3] === 'resolve' && f.path === parts.slice(5).join('/'),
    );
    if (!file) return void res.writeHead(404).end('Entry not found');
    const auth = req.headers.authorization;
    if (auth === undefined) {
      counts[401]++;
      return void res
        .writeHead(401, { 'www-authenticate': 'Bearer realm="huggingface"', 'x-error-code': 'GatedRepo' })
        .end('Access to model Wan-AI/Wan2.2-TI2V-5B is restricted. You must be authenticated to access it.');
    }
    if (auth !== `Bearer ${token}`) {
      counts[403]++;
      return void res
        .writeHead(403, { 'x-error-code': 'GatedRepo' })
        .end('Access to model Wan-AI/Wan2.2-TI2V-5B is restricted and you are not in the authorized list.');
    }
    counts.served++;
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = file.data.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      'content-length': body.length,
      'accept-ranges': 'bytes',
      etag: `"${file.sha256.slice(0, 32)}"`,
      ...(start > 0 ? { 'content-range': `bytes ${start}-${file.data.length - 1}/${file.data.length}` } : {}),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    counts,
    manifest() {
      const full = demoManifest(url) as { models: { id: string; mirrors: string[] }[] };
      const model = full.models.find((m) => m.id === GATED_MODEL);
      if (!model) throw new Error('demo manifest lacks the gated model');
      return {
        ...full,
        models: [{ ...model, mirrors: [`${url}/Wan-AI/${GATED_MODEL}/resolve/{revision}/`] }],
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
