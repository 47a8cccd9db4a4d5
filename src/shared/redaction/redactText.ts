import {
  isSecretName,
  literalSecrets,
  MIN_SECRET_LENGTH,
  REDACTED,
  type RedactOptions,
  removeLiterals,
} from './secrets.js';
import { redactTokens } from './tokenRules.js';

// ---------------------------------------------------------------------------------------------
// Patterns

/** Header-like pairs whose whole value (up to the end of the line or quote) is secret. */
const HEADER_LINE =
  /\b((?:proxy-)?authorization|set-cookie|cookie|x-api-key|api-key|x-auth-token|x-hf-token|private-token|x-amz-security-token)(["']?\s*[:=]\s*["']?)([^\r\n"']+)/gi;

/** Token shapes recognised anywhere. */
const TOKEN_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*/gi,
  // `Basic <base64>`: only when it looks encoded (a digit, `+`, `/`, `=` or mixed case), so that
  // "Basic authentication" stays readable.
  /\bBasic\s+(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]|[A-Z][a-z]*[A-Z]))[A-Za-z0-9+/]{8,}={0,2}/g,
  /\bhf_[A-Za-z0-9]{10,}\b/g,
  /\bapi_org_[A-Za-z0-9]{10,}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{16,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g,
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g,
  /\bnpm_[A-Za-z0-9]{30,}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
];

/** Cheap pre-filter: a text without any of these cannot hold a token shape. */
// Stryker disable next-line Regex: a pre-filter only; the token shapes themselves decide what is removed
const TOKEN_HINT =
  /PRIVATE KEY|bearer|basic|hf_|api_org_|gh[pousr]_|github_pat_|A[A-Z]{3}[A-Z0-9]{16}|eyJ|sk-|xox|glpat-|npm_|AIza/i;

/**
 * The value after a secret-named command-line flag, separated by spaces: `--token hf_…`,
 * `--hf-token "…"`, `--api-key …` (the `--flag=value` form is a name=value pair, below).
 */
const CLI_FLAG = /(?<![\w-])(--[A-Za-z][\w-]*)([ \t]+)(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"'`]+))/g;

/** Secret-looking flags whose value is not the secret (a file, a URL, a name, stdin…). */
const CLI_NOT_SECRET =
  /[-_](?:file|path|dir|url|uri|endpoint|env|name|id|type|length|size|format|mode|count|stdin|helper)$/i;

/** `scheme://userinfo@` — userinfo ends at the last `@` before the first `/`, `?`, `#` or space. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\\\s?#@"'<>]*(?:@[^/\\\s?#@"'<>]*)*)@/gi;

/**
 * `name=value`, `name: value`, `"name": "value"`, `name => value`; the value is replaced when the
 * name looks secret. Values that are placeholders (`<token>`, `$HF_TOKEN`, `%TOKEN%`, `***`) or
 * already redacted are left alone.
 */
const PAIR =
  /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)(["']?\s*(?::|=>?)\s*(?:["'](?=[^"'\s]))?)([^\s"'&,;<>)}\]]+)/g;

/** `?name=value` / `&name=value` inside URLs: the value runs to the next `&`, `#` or space. */
const QUERY_PARAM = /([?&;]([^=&#\s"'<>?]+)=)([^&#\s"'<>]+)/g;

/** Values that stand for a secret without being one: `<token>`, `$HF_TOKEN`, `%TOKEN%`, `***`, `{{token}}`. */
const PLACEHOLDER =
  /^(?:<[^<>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$env:[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\*{3,}|\{\{[^{}]*\}\})\s*$/;

/** Query parameters that are secret in signed URLs although their names do not say so. */
const SECRET_QUERY = /([?&](?:policy|sig|code|pass|pwd|pw|sv_sig|signed)=)([^&#\s"'<>]+)/gi;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function replacePair(
  match: string,
  name: string,
  separator: string,
  value: string,
  offset: number,
  whole: string,
): string {
  if (!isSecretName(name)) return match;
  // `Authorization: Bearer [REDACTED]`: the scheme word is not the secret.
  if (whole.startsWith(` ${REDACTED}`, offset + match.length)) return match;
  // An auth scheme word before a placeholder (`Authorization: Bearer $HF_TOKEN`) was judged above.
  if (
    /^(?:Bearer|Basic|Digest|Token|Negotiate|NTLM)$/i.test(value) &&
    /^\s+\S/.test(whole.slice(offset + match.length))
  ) {
    return match;
  }
  if (value.startsWith('[REDACTED') || PLACEHOLDER.test(value)) return match;
  // `https://…` after a secret-looking name (e.g. `token_url: https://…`) is a URL, not a secret.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/:\/\/[^/?#]*@/.test(value)) return match;
  // A `:` inside a stack frame (`file.ts:12:5`) or a time (`12:30`) is not a pair.
  if (separator.trim() === ':' && /^\d/.test(value) && /[.:/\\]/.test(name)) return match;
  return `${name}${separator}${REDACTED}`;
}

function replaceFlagValue(
  match: string,
  flag: string,
  space: string,
  doubleQuoted: string | undefined,
  singleQuoted: string | undefined,
  bare: string | undefined,
): string {
  if (!isSecretName(flag.slice(2)) || CLI_NOT_SECRET.test(flag)) return match;
  const value = doubleQuoted ?? singleQuoted ?? bare ?? '';
  if (value.startsWith('-') || value.startsWith(REDACTED) || PLACEHOLDER.test(value)) return match;
  const quote = doubleQuoted !== undefined ? '"' : singleQuoted !== undefined ? "'" : '';
  return `${flag}${space}${quote}${REDACTED}${quote}`;
}

/**
 * Removes secrets from a text: secret-named environment values (from `options.env`, default
 * `process.env`) and registered secrets wherever they appear, authorization headers, token shapes,
 * URL userinfo and secret-looking `name=value` pairs / query parameters. Cheap enough to run on every
 * line the package writes (a few µs for a typical line).
 */
export function redact(text: string, options?: RedactOptions): string {
  if (typeof text !== 'string') text = String(text);
  // Stryker disable next-line ConditionalExpression: a shortcut; every later step leaves an empty text as it is
  if (text.length === 0) return text;

  // Stryker disable next-line ConditionalExpression: a shortcut; no literal secret (4 characters or more) fits in a shorter text
  if (text.length >= MIN_SECRET_LENGTH) {
    const literals = literalSecrets(options);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: removing no literals leaves the text as it is
    if (literals.length > 0) text = removeLiterals(text, literals);
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut; no pattern below matches 4 characters or fewer
  if (text.length < 4) return text;

  text = text.replace(HEADER_LINE, (match, name: string, separator: string, value: string) => {
    const trimmed = value.trim();
    if (trimmed === '' || trimmed.startsWith(REDACTED)) return match;
    // Keep the scheme readable: `Authorization: Bearer [REDACTED]`.
    const scheme = /^(Bearer|Basic|Digest|Token|token|Negotiate|NTLM|AWS4-HMAC-SHA256)\s+/.exec(trimmed);
    if (scheme && /authorization/i.test(name)) {
      const credential = trimmed.slice(scheme[0].length);
      return credential.startsWith(REDACTED) || PLACEHOLDER.test(credential)
        ? match
        : `${name}${separator}${scheme[1]} ${REDACTED}`;
    }
    return PLACEHOLDER.test(trimmed) ? match : `${name}${separator}${REDACTED}`;
  });
  // Stryker disable next-line ConditionalExpression: TOKEN_HINT is a pre-filter; the shapes themselves decide
  if (TOKEN_HINT.test(text)) {
    for (const shape of TOKEN_SHAPES) {
      text = text.replace(shape, (match) => {
        // Keep the scheme word of an Authorization value readable: `Bearer [REDACTED]`.
        const space = match.search(/\s/);
        return space > 0 && /^(?:Bearer|Basic)$/i.test(match.slice(0, space))
          ? `${match.slice(0, space)} ${REDACTED}`
          : REDACTED;
      });
    }
  }
  // Token rules ported from gitleaks (stripe, slack webhooks, pypi, databricks, twilio, …) and ours.
  text = redactTokens(text, REDACTED);
  if (text.includes('--')) text = text.replace(CLI_FLAG, replaceFlagValue);
  if (text.includes('://')) {
    text = text.replace(USERINFO, (_match, scheme: string) => `${scheme}${REDACTED}@`);
    text = text.replace(SECRET_QUERY, (match, prefix: string, value: string) =>
      value.startsWith(REDACTED) ? match : `${prefix}${REDACTED}`,
    );
    text = text.replace(QUERY_PARAM, (match, prefix: string, name: string, value: string) =>
      value.startsWith(REDACTED) || !isSecretName(safeDecode(name)) ? match : `${prefix}${REDACTED}`,
    );
  }
  // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut; PAIR cannot match without '=' or ':'
  if (text.includes('=') || text.includes(':')) {
    text = text.replace(PAIR, replacePair);
  }
  return text;
}

/**
 * Redacts a URL: userinfo removed, secret-looking query parameters and fragment parameters
 * (`token`, `access_token`, `sig`, `signature`, `X-Amz-Signature`, `key`, `password`, …) replaced.
 * Works on strings that are not valid URLs too (falls back to {@link redact}).
 */
export function redactUrl(url: string | URL, options?: RedactOptions): string {
  // Stryker disable next-line ConditionalExpression: String(url) is url.href
  const text = typeof url === 'string' ? url : url.href;
  return redact(text, options);
}
