import { RedirectError } from '../errors/RedirectError.js';
import type { ProxyConfig } from '../proxy/config.js';
import { redactUrl } from '../shared/redaction/redact.js';
import type { TlsOptions } from './http1/connect.js';
import type { ConnectionPool } from './http1/pool.js';
import { request } from './http1/request.js';
import type { Http1Response } from './http1/response.js';
import {
  displayRedirectUrl,
  dropCredentials,
  REDIRECT_STATUSES,
  redirectTarget,
  sameOrigin,
} from './redirects.js';

export type { TlsOptions } from './http1/connect.js';

/** Options of {@link get}. */
export interface GetOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly pool: ConnectionPool;
  readonly proxy: ProxyConfig | false | undefined;
  readonly maxRedirects: number;
  readonly tls?: TlsOptions | undefined;
}

/** A response after following redirects. */
export interface GetResult {
  readonly response: Http1Response;
  /** The URL that produced `response` (after redirects). */
  readonly url: URL;
  /** Redirect hops followed. */
  readonly redirects: number;
  /** Whether credential headers were dropped because a redirect left the original origin. */
  readonly credentialsDropped: boolean;
}

/**
 * GET with redirects (at most `maxRedirects`), never https→http, and every credential header
 * (Authorization, Cookie, Proxy-Authorization, X-Api-Key, X-HF-Token, Private-Token, … see
 * `isCredentialHeader`) dropped for good once a redirect leaves the original origin (scheme, host
 * or port), even if a later hop comes back. Resolves with the first non-redirect response; its
 * body is not consumed.
 */
export async function get(url: URL, options: GetOptions): Promise<GetResult> {
  const headers: Record<string, string> = { ...options.headers };
  let current = url;
  let credentialsDropped = false;
  for (let hops = 0; ; hops++) {
    // The caller's URL is redacted; a server-chosen one loses its query string (signatures).
    const from = hops === 0 ? redactUrl(current) : displayRedirectUrl(current);
    const response = await request(current, {
      headers,
      signal: options.signal,
      pool: options.pool,
      proxy: options.proxy,
      tls: options.tls,
      displayUrl: from,
    });
    const status = response.statusCode;
    if (!REDIRECT_STATUSES.has(status))
      return { response, url: current, redirects: hops, credentialsDropped };
    response.discard();
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
