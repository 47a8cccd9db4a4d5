import { RedirectError } from '../errors/RedirectError.js';

/** Statuses that carry a Location to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that carry credentials and never travel to another origin after a redirect. */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization'];

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** Same scheme, host and port (default ports made explicit). */
export function sameOrigin(a: URL, b: URL): boolean {
  return (
    a.protocol === b.protocol &&
    a.hostname.toLowerCase() === b.hostname.toLowerCase() &&
    (a.port || defaultPort(a.protocol)) === (b.port || defaultPort(b.protocol))
  );
}

/** Removes credential headers (any letter case) from `headers`, in place; true when one was removed. */
export function dropCredentials(headers: Record<string, string>): boolean {
  let dropped = false;
  for (const name of Object.keys(headers)) {
    if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) {
      delete headers[name];
      dropped = true;
    }
  }
  return dropped;
}

/**
 * The URL a redirect points to, or a {@link RedirectError} when it must not be followed: no or an
 * invalid Location, a scheme other than http(s), or a downgrade from https to http.
 *
 * @param redactedFrom - the current URL, redacted, for the error message
 */
export function redirectTarget(current: URL, location: string | undefined, redactedFrom: string): URL {
  if (!location)
    throw new RedirectError(`Redirect without a Location header from ${redactedFrom}`, { url: redactedFrom });
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new RedirectError(`Redirect to an invalid Location from ${redactedFrom}`, { url: redactedFrom });
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new RedirectError(`Redirect to an unsupported scheme (${next.protocol}) from ${redactedFrom}`, {
      url: redactedFrom,
    });
  }
  if (current.protocol === 'https:' && next.protocol === 'http:') {
    throw new RedirectError(`Refused a redirect from https to plain http from ${redactedFrom}`, {
      url: redactedFrom,
    });
  }
  return next;
}
