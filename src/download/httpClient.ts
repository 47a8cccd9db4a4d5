import http from 'node:http';
import https from 'node:https';
import { redactUrl } from '../context/redact.js';
import { RedirectError } from '../errors/RedirectError.js';
import { proxyAuthHeaders } from '../proxy/auth.js';
import type { ProxyConfig } from '../proxy/config.js';
import { proxyFor } from '../proxy/resolve.js';
import type { Agents } from './agents.js';
import { dropCredentials, REDIRECT_STATUSES, redirectTarget, sameOrigin } from './redirects.js';

/** TLS settings for https requests (e.g. a private CA of a corporate mirror). */
export interface TlsOptions {
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Default true; set false only for testing. */
  rejectUnauthorized?: boolean;
}

/** Options of {@link get}. */
export interface GetOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly agents: Agents;
  readonly proxy: ProxyConfig | false | undefined;
  readonly maxRedirects: number;
  readonly tls?: TlsOptions | undefined;
}

/** A response after following redirects. */
export interface GetResult {
  readonly response: http.IncomingMessage;
  /** The URL that produced `response` (after redirects). */
  readonly url: URL;
  /** Redirect hops followed. */
  readonly redirects: number;
  /** Whether credential headers were dropped because a redirect left the original origin. */
  readonly credentialsDropped: boolean;
}

const noop = () => {};

function requestOnce(
  url: URL,
  headers: Record<string, string>,
  options: GetOptions,
): Promise<http.IncomingMessage> {
  const proxy = proxyFor(url, options.proxy);
  const tlsOptions = url.protocol === 'https:' ? (options.tls ?? {}) : {};
  let request: http.ClientRequest;
  if (!proxy) {
    const agent = url.protocol === 'https:' ? options.agents.https : options.agents.http;
    const send = url.protocol === 'https:' ? https.request : http.request;
    request = send(url, { method: 'GET', headers, agent, signal: options.signal, ...(tlsOptions as object) });
  } else if (url.protocol === 'http:') {
    // Plain-HTTP proxying: absolute-form request line to the proxy.
    const proxied: Record<string, string> = { ...headers, host: url.host, ...proxyAuthHeaders(proxy) };
    const send = proxy.protocol === 'https:' ? https.request : http.request;
    request = send({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      path: url.href,
      method: 'GET',
      headers: proxied,
      agent: options.agents.forProxy(proxy),
      signal: options.signal,
    });
  } else {
    request = https.request(url, {
      method: 'GET',
      headers,
      agent: options.agents.forTunnel(proxy),
      signal: options.signal,
      ...(tlsOptions as object),
    });
  }
  return new Promise((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      request.removeListener('error', reject);
      // Later socket errors surface on the response; keep the request from throwing unhandled.
      request.on('error', noop);
      resolve(response);
    });
    request.end();
  });
}

/**
 * GET with redirects (at most `maxRedirects`), never https→http, and Authorization / Cookie /
 * Proxy-Authorization dropped for good once a redirect leaves the original origin (scheme, host or
 * port). Resolves with the first non-redirect response; its body is not consumed.
 */
export async function get(url: URL, options: GetOptions): Promise<GetResult> {
  const headers: Record<string, string> = { ...options.headers };
  let current = url;
  let credentialsDropped = false;
  for (let hops = 0; ; hops++) {
    const response = await requestOnce(current, headers, options);
    const status = response.statusCode ?? 0;
    if (!REDIRECT_STATUSES.has(status))
      return { response, url: current, redirects: hops, credentialsDropped };
    response.resume();
    const from = redactUrl(current);
    if (hops >= options.maxRedirects) {
      throw new RedirectError(`More than ${options.maxRedirects} redirects, last from ${from}`, {
        url: from,
      });
    }
    const location = response.headers.location;
    const next = redirectTarget(current, location, from);
    if (!sameOrigin(url, next) && dropCredentials(headers)) credentialsDropped = true;
    current = next;
  }
}
