import { RedirectError } from '../errors/RedirectError.js';
import { isSecretName, redact } from '../shared/redaction/redact.js';

/** Statuses that carry a Location to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that carry credentials whatever their name says (matched in lower case). */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization'];

/** Name fragments of credential headers (`X-Api-Key`, `X-HF-Token`, `Private-Token`, `X-Auth-…`). */
const CREDENTIAL_NAME = /token|key|secret|auth|session|cookie|password|credential|signature/i;

/**
 * Whether a request header carries credentials and must not follow a redirect to another origin:
 * Authorization, Cookie, Proxy-Authorization, any name containing token, key, secret, auth,
 * session, cookie, password, credential or signature, and any name the redactor treats as secret
 * ({@link isSecretName}). Erring towards dropping: a header a mirror needs is sent to that mirror's
 * own origin only, which is what a credential is for.
 */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.includes(lower) || CREDENTIAL_NAME.test(lower) || isSecretName(name);
}

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

/**
 * Removes credential headers ({@link isCredentialHeader}, any letter case) from `headers`, in
 * place; true when one was removed.
 */
export function dropCredentials(headers: Record<string, string>): boolean {
  let dropped = false;
  for (const name of Object.keys(headers)) {
    if (isCredentialHeader(name)) {
      delete headers[name];
      dropped = true;
    }
  }
  return dropped;
}

/**
 * How a URL chosen by a server (a redirect target) appears in messages and events: origin and path
 * only. Its query string is dropped whole, since signed CDN URLs carry their signature under names
 * no list can know (`hdnts`, `verify`, `md5`, `Expires` + `Key-Pair-Id`, `X-Amz-Signature`, …);
 * userinfo and fragment go too. The rest is still redacted (a registered secret in the path).
 */
export function displayRedirectUrl(url: URL): string {
  return redact(`${url.origin}${url.pathname}`);
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
