import { proxyFor } from '../../../proxy/resolve.js';
import { redactUrl } from '../../../shared/redaction/redact.js';
import type { CheckOptions, CheckOutcome, PreflightCheck } from '../types.js';
import { headRequest } from './headRequest.js';
import { checkOptions, invalidOption, optionalMilliseconds, optionalStrings } from './validate.js';

export { bypassesProxy } from '../../../proxy/noProxy.js';
export { proxyFor } from '../../../proxy/resolve.js';
export { headRequest } from './headRequest.js';

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
  /** `ok` when the host answered with a status below 500, else why it did not. */
  readonly outcome: ReachOutcome;
  /** HTTP status of the answer (any status below 500 counts as reachable). */
  readonly status?: number;
  /** Node error code, when the request failed. */
  readonly code?: string;
  /** Time until the answer or the failure, ms (whole number). */
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
   * Proxy URL for every request, `false` for none. Default: resolved from `env` exactly as the
   * Downloader does (see {@link proxyConfigFromEnv}: `<scheme>_proxy` lower- then upper-case, then
   * ALL_PROXY; NO_PROXY honoured; loopback addresses never use a proxy).
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

/**
 * Reachability of each URL (mirrors, the Hub): a HEAD request each with a time limit, through the
 * proxy from the environment. Any HTTP answer below 500 counts as reachable (401/403/404 still
 * prove the network path works). Failures are classified — DNS, refused, timeout, TLS (a proxy
 * intercepting traffic), reset, proxy — each with its own remediation. Pass when all are reachable,
 * warn when only some are (downloads fail over), fail when none is.
 */
export function network(given: NetworkOptions): PreflightCheck {
  const options = checkOptions<NetworkOptions>('network', given);
  if (!Array.isArray(options.urls) || options.urls.length === 0) {
    invalidOption('network', 'urls', 'a non-empty array of http(s) URLs', options.urls);
  }
  const urls = options.urls.map((value, index) => {
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      // The value itself goes through the error's redaction (a URL may carry credentials).
      return invalidOption('network', `urls[${index}]`, 'an absolute http(s) URL', String(value));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      invalidOption('network', `urls[${index}]`, 'an http: or https: URL', url.protocol);
    }
    return url;
  });
  const timeoutMs = optionalMilliseconds('network', 'timeout', options.timeout) ?? 10_000;
  optionalMilliseconds('network', 'checkTimeout', options.checkTimeout);
  const forced = options.proxy;
  if (forced !== undefined && forced !== false && (typeof forced !== 'string' || forced.trim() === '')) {
    invalidOption('network', 'proxy', 'a proxy URL or false', forced);
  }
  optionalStrings('network', 'headers', options.headers);
  optionalStrings('network', 'env', options.env, true);
  return {
    id: options.id ?? 'network',
    title: 'Network',
    timeout: options.checkTimeout ?? timeoutMs + 5000,
    async run({ signal }): Promise<CheckOutcome> {
      const env = options.env ?? process.env;
      // A forced proxy serves every URL, loopback included, like an explicit Downloader `proxy`.
      const explicit =
        options.proxy === undefined || options.proxy === false
          ? options.proxy
          : { http: options.proxy, https: options.proxy };
      const results = await Promise.all(
        urls.map(async (url): Promise<UrlReachability> => {
          const proxy = proxyFor(url, explicit, env);
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
