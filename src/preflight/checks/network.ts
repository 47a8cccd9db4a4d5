import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { redactUrl } from '../../context/redact.js';
import type { CheckOptions, CheckOutcome, PreflightCheck } from '../types.js';

/** How reaching one URL ended. */
export type ReachOutcome =
  | 'ok'
  | 'http_error'
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'tls'
  | 'reset'
  | 'unreachable'
  | 'proxy'
  | 'error';

/** One URL's result, in the check's `details.urls`. */
export interface UrlReachability {
  /** The URL, redacted. */
  readonly url: string;
  /** host[:port] of the URL. */
  readonly host: string;
  readonly outcome: ReachOutcome;
  /** HTTP status of the answer (any status below 500 counts as reachable). */
  readonly status?: number;
  /** Node error code, when the request failed. */
  readonly code?: string;
  readonly durationMs: number;
  /** The proxy used (redacted), when one was. */
  readonly proxy?: string;
}

/** Options for {@link network}. */
export interface NetworkOptions extends CheckOptions {
  /** Hosts / mirrors to reach (a HEAD request each, concurrently). */
  readonly urls: readonly (string | URL)[];
  /** Time limit per URL in ms (default 10 000); the check's own limit is this plus 5 s. */
  readonly timeout?: number;
  /** The whole check's limit (default `timeout` + 5000). */
  readonly checkTimeout?: number;
  /**
   * Proxy URL for every request, `false` for none. Default: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY
   * (either case) with NO_PROXY honoured; loopback addresses never use a proxy.
   */
  readonly proxy?: string | false;
  /** Extra request headers (e.g. a User-Agent). Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Environment to read proxy variables from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const TLS_CODE =
  /^(?:CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH|ERR_OSSL)|_CERT_/;

/** Maps a request error to a reachability outcome. */
export function classifyReachError(error: unknown): ReachOutcome {
  const code = (error as { code?: unknown })?.code;
  const text = typeof code === 'string' ? code : '';
  if (text === 'ETIMEOUT_PREFLIGHT' || text === 'ETIMEDOUT' || text === 'ESOCKETTIMEDOUT') return 'timeout';
  if (text === 'ENOTFOUND' || text.startsWith('EAI_')) return 'dns';
  if (text === 'ECONNREFUSED') return 'refused';
  if (text === 'EPROXY') return 'proxy';
  if (TLS_CODE.test(text)) return 'tls';
  if (text === 'ECONNRESET' || text === 'EPIPE' || text === 'ECONNABORTED') return 'reset';
  if (text === 'EHOSTUNREACH' || text === 'ENETUNREACH' || text === 'ENETDOWN' || text === 'EHOSTDOWN')
    return 'unreachable';
  const message = error instanceof Error ? error.message : '';
  if (/certificate|ssl|tls/i.test(message)) return 'tls';
  return 'error';
}

const REMEDIATION: Record<Exclude<ReachOutcome, 'ok'>, string> = {
  dns: 'The host name could not be resolved: check the network connection, the DNS settings and the URL; behind a corporate proxy set HTTPS_PROXY.',
  refused:
    'The connection was refused: nothing listens at that address or a firewall rejects it; check the URL, the firewall and the proxy settings (HTTPS_PROXY, NO_PROXY).',
  timeout:
    'No answer in time: a firewall may be dropping the traffic silently, or the connection is very slow; check the proxy settings (HTTPS_PROXY) or try another mirror.',
  tls: "TLS verification failed: a proxy or antivirus is probably intercepting HTTPS traffic. Point NODE_EXTRA_CA_CERTS at your organisation's CA certificate, or use a network without interception.",
  reset:
    'The connection was reset: a firewall, VPN or proxy may be blocking the host; check them or try another network.',
  unreachable: 'The network or host is unreachable: check that this machine is online (VPN, Wi-Fi, cable).',
  proxy:
    'The proxy refused the request: check the proxy address and credentials in HTTPS_PROXY / HTTP_PROXY.',
  http_error:
    'The server answered with an error: it may be down or overloaded; try again later or use a mirror.',
  error: 'The request failed: check the network connection and the proxy settings.',
};

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  return env[name] ?? env[name.toLowerCase()] ?? undefined;
}

/** Whether NO_PROXY (comma / space separated; `*`, `.suffix`, `host`, `host:port`) exempts the URL. */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (isLoopback(url.hostname)) return true;
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [entryHost, entryPort] = entry.startsWith('[')
      ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]]
      : entry.split(':');
    if (!entryHost) continue;
    if (entryPort && entryPort !== port) continue;
    const bare = entryHost.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** The proxy to use for `url` given the environment (undefined for a direct connection). */
export function proxyFor(url: URL, env: Readonly<Record<string, string | undefined>>): URL | undefined {
  if (bypassesProxy(url, envValue(env, 'NO_PROXY'))) return undefined;
  const raw =
    (url.protocol === 'https:' ? envValue(env, 'HTTPS_PROXY') : envValue(env, 'HTTP_PROXY')) ??
    envValue(env, 'ALL_PROXY');
  if (!raw) return undefined;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function fail(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, extra);
}

/**
 * One HEAD request; resolves the status code. Through `proxy` when given (CONNECT tunnel for
 * https, absolute-URI request for http). Every socket is destroyed when the request ends.
 */
export function headRequest(
  url: URL,
  options: {
    timeoutMs: number;
    proxy?: URL | undefined;
    headers?: Readonly<Record<string, string>>;
    signal?: AbortSignal;
  },
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const sockets = new Set<Socket>();
    const requests = new Set<http.ClientRequest>();
    let settled = false;
    const finish = (error: Error | undefined, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const request of requests) request.destroy();
      for (const socket of sockets) socket.destroy();
      if (error) reject(error);
      else resolve(status ?? 0);
    };
    const timer = setTimeout(
      () => finish(fail('ETIMEOUT_PREFLIGHT', `no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => finish(fail('ABORT_ERR', 'aborted'));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const track = (request: http.ClientRequest) => {
      requests.add(request);
      request.on('socket', (socket: Socket) => sockets.add(socket));
      request.on('error', (error) => finish(error));
      return request;
    };
    const onResponse = (response: http.IncomingMessage) => {
      response.resume();
      finish(undefined, response.statusCode ?? 0);
    };
    const headers = { ...(options.headers ?? {}) };
    const isHttps = url.protocol === 'https:';
    const targetPort = Number(url.port || (isHttps ? 443 : 80));
    const proxy = options.proxy;

    if (!proxy) {
      const request = (isHttps ? https : http).request(
        url,
        { method: 'HEAD', headers, agent: false },
        onResponse,
      );
      track(request).end();
      return;
    }
    const proxyModule = proxy.protocol === 'https:' ? https : http;
    const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
    if (!isHttps) {
      const request = proxyModule.request(
        {
          host: proxy.hostname,
          port: proxyPort,
          method: 'HEAD',
          path: url.href,
          headers: { host: url.host, ...headers, ...proxyAuthorization(proxy) },
          agent: false,
        },
        (response) => {
          if (response.statusCode === 407) {
            response.resume();
            finish(fail('EPROXY', 'proxy authentication required (407)', { status: 407 }));
          } else onResponse(response);
        },
      );
      track(request).end();
      return;
    }
    const connect = proxyModule.request({
      host: proxy.hostname,
      port: proxyPort,
      method: 'CONNECT',
      path: `${url.hostname}:${targetPort}`,
      headers: { host: `${url.hostname}:${targetPort}`, ...proxyAuthorization(proxy) },
      agent: false,
    });
    track(connect);
    connect.on('connect', (response, socket) => {
      sockets.add(socket);
      if (response.statusCode !== 200) {
        finish(
          fail('EPROXY', `proxy refused the tunnel (${response.statusCode})`, {
            status: response.statusCode,
          }),
        );
        return;
      }
      const request = https.request(
        url,
        {
          method: 'HEAD',
          headers,
          createConnection: () => {
            const secure = tls.connect({ socket, servername: url.hostname });
            sockets.add(secure);
            return secure;
          },
        },
        onResponse,
      );
      track(request).end();
    });
    connect.end();
  });
}

/**
 * Reachability of each URL (mirrors, the Hub): a HEAD request each with a time limit, through the
 * proxy from the environment. Any HTTP answer below 500 counts as reachable (401/403/404 still
 * prove the network path works). Failures are classified — DNS, refused, timeout, TLS (a proxy
 * intercepting traffic), reset, proxy — each with its own remediation. Pass when all are reachable,
 * warn when only some are (downloads fail over), fail when none is.
 */
export function network(options: NetworkOptions): PreflightCheck {
  if (!options || !Array.isArray(options.urls) || options.urls.length === 0) {
    throw new TypeError('network: urls must be a non-empty array of URLs');
  }
  const urls = options.urls.map((value) => {
    try {
      return new URL(String(value));
    } catch {
      throw new TypeError(`network: not a URL: ${redactUrl(String(value))}`);
    }
  });
  for (const url of urls) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`network: only http(s) URLs, got ${url.protocol}`);
  }
  const timeoutMs = options.timeout ?? 10_000;
  if (!(timeoutMs > 0)) throw new TypeError('network: timeout must be a positive number of milliseconds');
  return {
    id: options.id ?? 'network',
    title: 'Network',
    timeout: options.checkTimeout ?? timeoutMs + 5000,
    async run({ signal }): Promise<CheckOutcome> {
      const env = options.env ?? process.env;
      const results = await Promise.all(
        urls.map(async (url): Promise<UrlReachability> => {
          const proxy =
            options.proxy === false ? undefined : options.proxy ? new URL(options.proxy) : proxyFor(url, env);
          const started = performance.now();
          const base = {
            url: redactUrl(url.href),
            host: url.host,
            ...(proxy ? { proxy: redactUrl(proxy.href) } : {}),
          };
          try {
            const status = await headRequest(url, {
              timeoutMs,
              proxy,
              signal,
              ...(options.headers ? { headers: options.headers } : {}),
            });
            const durationMs = Math.round(performance.now() - started);
            return { ...base, outcome: status >= 500 ? 'http_error' : 'ok', status, durationMs };
          } catch (error) {
            const durationMs = Math.round(performance.now() - started);
            const code = (error as { code?: unknown }).code;
            const status = (error as { status?: unknown }).status;
            return {
              ...base,
              outcome: classifyReachError(error),
              ...(typeof code === 'string' ? { code } : {}),
              ...(typeof status === 'number' ? { status } : {}),
              durationMs,
            };
          }
        }),
      );
      const reachable = results.filter((result) => result.outcome === 'ok');
      const failed = results.filter((result) => result.outcome !== 'ok');
      const describe = (result: UrlReachability) =>
        `${result.host} ${result.outcome === 'ok' ? `OK (${result.status})` : result.outcome === 'http_error' ? `HTTP ${result.status}` : result.outcome === 'timeout' ? `timeout after ${timeoutMs} ms` : result.outcome}`;
      const kinds = [...new Set(failed.map((result) => result.outcome))] as Exclude<ReachOutcome, 'ok'>[];
      const remediation = kinds.map((kind) => REMEDIATION[kind]);
      const details = { urls: results };
      if (failed.length === 0) {
        return {
          status: 'pass',
          message: `${results.length} of ${results.length} reachable: ${results.map(describe).join(', ')}`,
          details,
        };
      }
      if (reachable.length > 0) {
        return {
          status: 'warn',
          message: `${reachable.length} of ${results.length} reachable; ${failed.map(describe).join(', ')}`,
          remediation: [...remediation, 'Downloads fail over to the reachable mirrors.'],
          details,
        };
      }
      return {
        status: 'fail',
        message: `none of ${results.length} reachable: ${failed.map(describe).join(', ')}`,
        remediation,
        details,
      };
    },
  };
}
