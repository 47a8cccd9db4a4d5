import { isSecretName } from '../shared/redaction/redact.js';
import { isCredentialHeader } from './redirects.js';

/**
 * Query parameters of signed URLs whose values are secret although their names do not say so
 * (Akamai `hdnts` / `hmac`, CDN `verify` / `md5` tokens, CloudFront `Policy`, Azure `sig`).
 */
const SIGNED_QUERY_NAMES = new Set(['hdnts', 'hmac', 'md5', 'verify', 'sig', 'policy', 'sv_sig', 'auth_key']);

/** Shorter values are not replaced wherever they appear (they would hit ordinary words). */
const MIN_LENGTH = 4;

function add(into: Set<string>, value: string): void {
  const trimmed = value.trim();
  if (trimmed.length >= MIN_LENGTH) into.add(trimmed);
}

/**
 * The literal secrets one download carries, so that a server echoing them back (in a status line,
 * a header, a redirect, a body) cannot get them into an event or error: values of credential
 * headers (`Authorization: Bearer x` gives both the value and `x`, `Cookie: a=x; b=y` gives `x`
 * and `y`), URL userinfo, and values of
 * secret-looking query parameters of the mirror URLs. Passed to redaction as `secrets`; nothing is
 * registered globally, so the list dies with the download.
 */
export function requestSecrets(urls: readonly URL[], headers: Readonly<Record<string, string>>): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!isCredentialHeader(name)) continue;
    add(secrets, value);
    // `Bearer x` → x; `a=x; b=y` (cookies, key lists) → x and y.
    const scheme = /^\s*[A-Za-z][\w-]*\s+(\S.*)$/.exec(value);
    if (scheme?.[1]) add(secrets, scheme[1]);
    for (const pair of value.split(/[;,]/)) {
      const equals = pair.indexOf('=');
      if (equals > 0) add(secrets, pair.slice(equals + 1));
    }
  }
  for (const url of urls) {
    if (url.password) add(secrets, decodeSafe(url.password));
    for (const [name, value] of url.searchParams) {
      if (isSecretName(name) || SIGNED_QUERY_NAMES.has(name.toLowerCase())) add(secrets, value);
    }
  }
  return [...secrets];
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
