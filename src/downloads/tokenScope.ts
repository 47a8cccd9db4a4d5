import { AuthenticationError } from '../errors/AuthenticationError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { redact } from '../shared/redaction/redact.js';

/**
 * Which origins a token from `Downloader({ token })` may go to.
 *
 * A token is a credential for one service. Before `tokenOrigins` existed, any origin that answered
 * 401/403 got it (a manifest mirror, ModelScope, a CDN). Now it goes only to:
 * - the origins listed in `tokenOrigins`, when that option is set;
 * - otherwise the origin of the FIRST URL of each download request (`request.urls[0]`, as given,
 *   before any reordering by mirror health): the mirror the caller named first is the one the
 *   token is meant for; the others are fallbacks that get no token.
 * Redirects never carry it further: Authorization is dropped once a redirect leaves the origin.
 */

/** The accepted form of `tokenOrigins`: origins (`https://huggingface.co`) or URLs (their origin counts). */
export type TokenOrigins = readonly (string | URL)[];

/** Validates `tokenOrigins` strictly; returns the set of origins (`scheme://host[:port]`). */
export function resolveTokenOrigins(value: unknown): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const option = 'Downloader.tokenOrigins';
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError(
      option,
      "a non-empty array of http(s) origins like 'https://huggingface.co' (leave it out for the first mirror's origin)",
      value,
    );
  }
  const origins = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const name = `${option}[${index}]`;
    if (!(entry instanceof URL) && (typeof entry !== 'string' || entry.trim() === '')) {
      throw new ConfigurationError(name, 'an http(s) origin or URL (a string or URL)', entry);
    }
    let url: URL;
    try {
      url = entry instanceof URL ? entry : new URL(entry.trim());
    } catch {
      throw new ConfigurationError(
        name,
        "an absolute http(s) origin like 'https://huggingface.co'",
        '(unparsable)',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError(name, 'an http: or https: origin', url.protocol);
    }
    if (url.username !== '' || url.password !== '') {
      // A credential inside the allow-list is a mistake; never echo it.
      throw new ConfigurationError(name, 'an origin without user:password@', redact(url.origin));
    }
    origins.add(url.origin);
  });
  return origins;
}

/** Whether a token may be sent to `mirror` for a request whose mirrors are `urls`. */
export function tokenAllowed(
  origins: ReadonlySet<string> | undefined,
  urls: readonly URL[],
  mirror: URL,
): boolean {
  if (origins) return origins.has(mirror.origin);
  return urls[0] !== undefined && urls[0].origin === mirror.origin;
}

/**
 * The error for a 401/403 from an origin the token is not for: the provider is not asked, so the
 * token never reaches that origin. The message names the origin and how to allow it.
 */
export function outOfScopeError(
  origins: ReadonlySet<string> | undefined,
  mirror: URL,
  status: number,
  url: string,
): AuthenticationError {
  const origin = redact(mirror.origin);
  const why = origins
    ? `${origin} is not in tokenOrigins`
    : `${origin} is not in tokenOrigins (not set: only the first mirror's origin gets the token)`;
  return new AuthenticationError(`${url} refused access (HTTP ${status}); no token was sent: ${why}`, {
    status,
    url,
    tokenSent: false,
    remediation: [
      // Worded without `tokenOrigins: […]`: redaction reads a `token…: value` pair as a secret.
      `If ${origin} should receive the token, list '${origin}' in the Downloader's tokenOrigins option.`,
      'Otherwise give that mirror its own credentials, or remove it from the mirror list; the other mirrors are tried.',
    ],
  });
}
