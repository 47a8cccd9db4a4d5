import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { abortError } from '../shared/abort.js';
import { DASHBOARD_CSP } from './html.js';
import type { HealthReport } from './types.js';

/** What the server needs from a reporter. */
export interface HealthSource {
  report(): HealthReport;
  toPrometheus(): string;
  toHTML(): string;
}

/** Options of `HealthReporter#serve`. */
export interface ServeOptions {
  /** TCP port; 0 (default) picks a free one (read it from the result). */
  port?: number;
  /** Interface to bind (default `127.0.0.1`: reachable from this machine only). */
  host?: string;
  /** Aborting it closes the server. */
  signal?: AbortSignal;
}

/** A running health server; `await using server = await reporter.serve()` closes it at scope exit. */
export interface HealthServer extends AsyncDisposable {
  /** The bound port. */
  readonly port: number;
  /** The host or address it listens on (default `127.0.0.1`). */
  readonly host: string;
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** The underlying node:http server (for extra listeners; use `close()` to stop it). */
  readonly server: Server;
  /** Stops accepting connections, ends open ones and resolves when closed (safe to call again). */
  close(): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(head ? undefined : body);
}

function handle(source: HealthSource, req: IncomingMessage, res: ServerResponse): void {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  if (method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', false);
    return;
  }
  const pathname = (req.url ?? '/').split('?')[0];
  try {
    switch (pathname) {
      case '/health': {
        const report = source.report();
        send(
          res,
          report.status === 'unhealthy' ? 503 : 200,
          'application/json; charset=utf-8',
          `${JSON.stringify(report)}\n`,
          head,
        );
        return;
      }
      case '/metrics':
        send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', source.toPrometheus(), head);
        return;
      case '/':
      case '/dashboard':
        res.setHeader('content-security-policy', DASHBOARD_CSP);
        send(res, 200, 'text/html; charset=utf-8', source.toHTML(), head);
        return;
      default:
        send(res, 404, 'text/plain; charset=utf-8', 'Not Found: try /health, /metrics or /dashboard\n', head);
    }
  } catch (error) {
    send(res, 500, 'text/plain; charset=utf-8', `Internal error: ${(error as Error).message}\n`, head);
  }
}

/** Serves `/health` (JSON; 503 when unhealthy), `/metrics` (Prometheus) and `/dashboard` (HTML). */
export function serveHealth(source: HealthSource, options: ServeOptions = {}): Promise<HealthServer> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigurationError('serve.port', 'a port number 0–65535', port);
  if (typeof host !== 'string' || host === '')
    throw new ConfigurationError('serve.host', 'a host name or address', host);
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal, 'health server'));
  const server = createServer((req, res) => handle(source, req, res));
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      const close = () => {
        closing ??= new Promise<void>((done) => {
          signal?.removeEventListener('abort', onAbort);
          server.close(() => done());
          server.closeAllConnections();
        });
        return closing;
      };
      const onAbort = () => void close();
      signal?.addEventListener('abort', onAbort, { once: true });
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        port: address.port,
        host: address.address,
        url: `http://${shownHost}:${address.port}`,
        server,
        close,
        [Symbol.asyncDispose]: close,
      });
    });
  });
}
