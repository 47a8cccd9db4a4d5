import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { abortError } from '../shared/abort.js';
import { DASHBOARD_CSP } from './html.js';
import { allowedHostSet, hostName, validAllowedHosts } from './serverHost.js';
import { ResetGuard, type ResettableBreaker, resetTarget, resettableBreakers } from './serverReset.js';
import type { HealthReport } from './types.js';

export type { ResettableBreaker } from './serverReset.js';

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
  /**
   * `/health` answers 503 for `degraded` as well as `unhealthy` (default false: only unhealthy),
   * for load balancers and probes that should take a degraded instance out of rotation.
   */
  strict?: boolean;
  /**
   * Extra `Host` header values to answer (host names or IP addresses, no port), e.g. the name a
   * reverse proxy forwards. Always answered: `localhost`, `127.0.0.1`, `::1`, the `host` option and
   * the bound address (with a wildcard bind, also this machine's addresses and host name). Any other
   * Host gets 421 and no data: a web page cannot read the report through DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /**
   * Enables `POST /circuits/<name>/reset` for requests with `Authorization: Bearer <resetToken>`
   * (at least 16 characters; compared in constant time; never logged or echoed). Default: off —
   * the server only reads.
   */
  resetToken?: string;
  /** Breakers `/circuits/<name>/reset` may close (default: every live CircuitBreaker). */
  circuits?: () => Iterable<ResettableBreaker>;
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

/** What a request is checked against, fixed when the server starts. */
interface Handling {
  readonly hosts: ReadonlySet<string>;
  readonly strict: boolean;
  readonly reset: ResetGuard | undefined;
  readonly circuits: (() => Iterable<ResettableBreaker>) | undefined;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function handle(source: HealthSource, how: Handling, req: IncomingMessage, res: ServerResponse): void {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  // Checked before anything is read, so a refused request learns nothing (not even the status).
  const host = hostName(req.headers.host);
  if (host === undefined) {
    send(res, 400, TEXT, 'Bad Request: a Host header is required\n', head);
    return;
  }
  if (!how.hosts.has(host)) {
    send(res, 421, TEXT, 'Misdirected Request: this server does not answer for that host\n', head);
    return;
  }
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  const target = how.reset ? resetTarget(pathname) : undefined;
  if (target !== undefined && how.reset) {
    resetBreaker(how, req, res, method, target);
    return;
  }
  if (method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, TEXT, 'Method Not Allowed\n', false);
    return;
  }
  try {
    switch (pathname) {
      case '/health': {
        const report = source.report();
        const down = report.status === 'unhealthy' || (how.strict && report.status === 'degraded');
        send(res, down ? 503 : 200, JSON_TYPE, `${JSON.stringify(report)}\n`, head);
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
        send(res, 404, TEXT, 'Not Found: try /health, /metrics or /dashboard\n', head);
    }
  } catch (error) {
    send(res, 500, TEXT, `Internal error: ${(error as Error).message}\n`, head);
  }
}

/** `POST /circuits/<name>/reset` with the operator's bearer token closes that breaker. */
function resetBreaker(
  how: Handling,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  name: string,
): void {
  if (method !== 'POST') {
    res.setHeader('allow', 'POST');
    send(res, 405, TEXT, 'Method Not Allowed: use POST\n', false);
    return;
  }
  // The body is never read; drain it so that the connection stays usable.
  req.resume();
  if (!how.reset?.allows(req.headers.authorization)) {
    res.setHeader('www-authenticate', 'Bearer realm="health"');
    send(res, 401, TEXT, 'Unauthorized: send Authorization: Bearer <reset token>\n', false);
    return;
  }
  const breaker = resettableBreakers(how.circuits).find((b) => b.name === name);
  if (!breaker) {
    send(res, 404, TEXT, 'Not Found: no circuit breaker of that name\n', false);
    return;
  }
  try {
    breaker.close();
  } catch (error) {
    send(res, 500, TEXT, `Internal error: ${(error as Error).message}\n`, false);
    return;
  }
  send(res, 200, JSON_TYPE, `${JSON.stringify({ name: breaker.name, state: 'closed' })}\n`, false);
}

/**
 * Serves `/health` (JSON; 503 when unhealthy, or degraded with `strict`), `/metrics` (Prometheus) and
 * `/dashboard` (HTML) to requests whose `Host` it answers for; with `resetToken`, also
 * `POST /circuits/<name>/reset`.
 */
export function serveHealth(source: HealthSource, options: ServeOptions = {}): Promise<HealthServer> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigurationError('serve.port', 'a port number 0–65535', port);
  if (typeof host !== 'string' || host === '')
    throw new ConfigurationError('serve.host', 'a host name or address', host);
  if (options.strict !== undefined && typeof options.strict !== 'boolean')
    throw new ConfigurationError('serve.strict', 'a boolean', options.strict);
  const allowedHosts = validAllowedHosts(options.allowedHosts);
  const reset = options.resetToken === undefined ? undefined : new ResetGuard(options.resetToken);
  if (options.circuits !== undefined && typeof options.circuits !== 'function')
    throw new ConfigurationError('serve.circuits', 'a function returning breakers', options.circuits);
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal, 'health server'));
  let how: Handling | undefined;
  const server = createServer((req, res) => {
    if (how) handle(source, how, req, res);
    else send(res, 503, TEXT, 'Starting\n', false);
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      how = {
        hosts: allowedHostSet(host, address.address, allowedHosts),
        strict: options.strict === true,
        reset,
        circuits: options.circuits,
      };
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
