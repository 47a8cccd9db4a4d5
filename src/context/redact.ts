/**
 * Redaction: every text the package writes (logs, reports, error contexts, health output) passes
 * through {@link redact} so that a user can hand a report over without handing over a token.
 *
 * Layers, applied in this order:
 * 1. exact values of environment variables whose names look secret (TOKEN, SECRET, PASSWORD, KEY,
 *    AUTH, CREDENTIAL, COOKIE, SESSION, …), wherever they appear, plus values registered with
 *    {@link addSecret};
 * 2. authorization-like header lines (`Authorization: …`, `Cookie: …`) up to the end of the value;
 * 3. token shapes anywhere (`hf_…`, `ghp_…`/`gho_…`/`ghs_…`/`ghu_…`/`ghr_…`, `github_pat_…`,
 *    `AKIA…`, `Bearer …`, `Basic …`, JWTs, `sk-…`, `xox?-…`, `glpat-…`, `npm_…`, PEM private keys);
 * 4. URL userinfo (`https://user:pass@host` → `https://[REDACTED]@host`);
 * 5. `name=value` / `name: value` / `"name": "value"` pairs and URL query parameters whose name looks
 *    secret (token, access_token, sig, signature, X-Amz-Signature, key, password, …).
 *
 * Everything is string scanning with precompiled expressions; nothing is parsed or re-serialised,
 * so text that is not secret comes out byte for byte as it went in.
 */

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

/** An environment: name → value (process.env fits). */
export type EnvLike = Readonly<Record<string, string | undefined>>;

/** Options for {@link redact} and {@link redactValue}. */
export interface RedactOptions {
  /**
   * The environment whose secret-named values are removed wherever they appear. Defaults to
   * `process.env` read at call time; pass `null` to skip the environment layer.
   */
  readonly env?: EnvLike | null;
  /** Extra literal values to remove (e.g. a token the caller holds in memory). */
  readonly secrets?: Iterable<string>;
}

/** Values shorter than this are not replaced wherever they appear (they would hit ordinary text). */
export const MIN_SECRET_LENGTH = 4;

/** Values of secret-named variables that are settings, not secrets (`NPM_CONFIG_ALWAYS_AUTH=true`). */
const NOT_SECRET_VALUES = new Set([
  'true',
  'false',
  'null',
  'none',
  'undefined',
  'enabled',
  'disabled',
  'required',
  'optional',
]);

/** Whether a value is long and specific enough to be replaced wherever it appears. */
function isLiteralSecret(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= MIN_SECRET_LENGTH &&
    !NOT_SECRET_VALUES.has(value.toLowerCase())
  );
}

/** Name fragments that make an environment variable, header, key or query parameter secret. */
const SECRET_NAME =
  /TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|CREDENTIAL|COOKIE|SESSION|API_?KEY|PRIVATE|SIGNATURE|KEY|AUTH(?!OR(?:S|ED|ING)?(?![A-Z]))/i;

/** Whole names (or `_`/`-`/`.`-separated segments) that are secret although short. */
const SECRET_SEGMENT = /^(?:SIG|PASSWD|PASSWORD)$/i;

/**
 * Names that match the fragments above but are known to hold nothing secret; their values are not
 * replaced everywhere (they are still shown as [REDACTED] when listed by name).
 */
const HARMLESS_NAMES = new Set([
  'PWD',
  'OLDPWD',
  'XDG_SESSION_TYPE',
  'XDG_SESSION_CLASS',
  'XDG_SESSION_DESKTOP',
  'XDG_SESSION_ID',
  'DESKTOP_SESSION',
  'SSH_AUTH_SOCK',
  'KEYTIMEOUT',
  'MONKEYPATCH',
]);

const nameCache = new Map<string, boolean>();

/**
 * Whether a name (environment variable, header, object key, query parameter) looks like it holds a
 * secret: it contains TOKEN, SECRET, PASSWORD/PASSWD, PASSPHRASE, CREDENTIAL, COOKIE, SESSION, KEY,
 * AUTH (not AUTHOR), PRIVATE or SIGNATURE, or is one of the short names sig / pwd / pass / code.
 */
export function isSecretName(name: string): boolean {
  let result = nameCache.get(name);
  if (result !== undefined) return result;
  result = SECRET_NAME.test(name) || name.split(/[-_.]/).some((segment) => SECRET_SEGMENT.test(segment));
  if (nameCache.size > 10_000) nameCache.clear();
  nameCache.set(name, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Registered secrets (values the process knows are secret, e.g. a token passed in code)

const registered = new Set<string>();

/**
 * Registers a literal secret value (a token read from a file, a password from a prompt) so that
 * every later {@link redact} call removes it. Returns a function that forgets it again.
 */
export function addSecret(value: string): () => void {
  if (!isLiteralSecret(value)) return () => {};
  registered.add(value);
  return () => {
    registered.delete(value);
  };
}

interface EnvNames {
  keys: string[];
  secretNames: string[];
}

const envNameCache = new WeakMap<object, EnvNames>();

/** Secret-named keys of `env`, recomputed only when the set of keys changed. */
function secretNamesOf(env: EnvLike): readonly string[] {
  const keys = Object.keys(env);
  const cached = envNameCache.get(env);
  if (
    cached &&
    cached.keys.length === keys.length &&
    cached.keys.every((key, index) => key === keys[index])
  ) {
    return cached.secretNames;
  }
  const secretNames = keys.filter((name) => isSecretName(name) && !HARMLESS_NAMES.has(name.toUpperCase()));
  envNameCache.set(env, { keys, secretNames });
  return secretNames;
}

/** The values of secret-named variables in `env` that are long enough to be replaced everywhere. */
export function secretValuesOf(env: EnvLike): string[] {
  const values: string[] = [];
  for (const name of secretNamesOf(env)) {
    const value = env[name];
    if (isLiteralSecret(value)) values.push(value);
  }
  return values;
}

function literalSecrets(options: RedactOptions | undefined): string[] {
  const env = options?.env === undefined ? process.env : options.env;
  const values = env ? secretValuesOf(env) : [];
  for (const value of registered) values.push(value);
  if (options?.secrets) {
    for (const value of options.secrets) {
      if (isLiteralSecret(value)) values.push(value);
    }
  }
  if (values.length > 1) values.sort((a, b) => b.length - a.length);
  return values;
}

function removeLiterals(text: string, values: readonly string[]): string {
  for (const value of values) {
    if (text.includes(value)) text = text.split(value).join(REDACTED);
    // Also the percent-encoded form (a secret inside a URL or a form body).
    const encoded = encodeURIComponent(value);
    if (encoded !== value && text.includes(encoded)) text = text.split(encoded).join(REDACTED);
  }
  return text;
}

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
const TOKEN_HINT =
  /PRIVATE KEY|bearer|basic|hf_|api_org_|gh[pousr]_|github_pat_|A[A-Z]{3}[A-Z0-9]{16}|eyJ|sk-|xox|glpat-|npm_|AIza/i;

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

/**
 * Removes secrets from a text: secret-named environment values (from `options.env`, default
 * `process.env`) and registered secrets wherever they appear, authorization headers, token shapes,
 * URL userinfo and secret-looking `name=value` pairs / query parameters. Cheap enough to run on every
 * line the package writes (a few µs for a typical line).
 */
export function redact(text: string, options?: RedactOptions): string {
  if (typeof text !== 'string') text = String(text);
  if (text.length === 0) return text;

  if (text.length >= MIN_SECRET_LENGTH) {
    const literals = literalSecrets(options);
    if (literals.length > 0) text = removeLiterals(text, literals);
  }
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
  if (text.includes('://')) {
    text = text.replace(USERINFO, (_match, scheme: string) => `${scheme}${REDACTED}@`);
    text = text.replace(SECRET_QUERY, (match, prefix: string, value: string) =>
      value.startsWith(REDACTED) ? match : `${prefix}${REDACTED}`,
    );
    text = text.replace(QUERY_PARAM, (match, prefix: string, name: string, value: string) =>
      value.startsWith(REDACTED) || !isSecretName(safeDecode(name)) ? match : `${prefix}${REDACTED}`,
    );
  }
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
  const text = typeof url === 'string' ? url : url.href;
  return redact(text, options);
}

// ---------------------------------------------------------------------------------------------
// Deep redaction

/** Options for {@link redactValue}. */
export interface RedactValueOptions extends RedactOptions {
  /** Deeper values become `'[Truncated]'`. Default 20. */
  readonly maxDepth?: number;
}

interface Walk {
  readonly literals: readonly string[];
  readonly maxDepth: number;
  readonly seen: WeakMap<object, unknown>;
}

function redactString(text: string, walk: Walk): string {
  // The literal list was computed once for the whole walk.
  let out =
    walk.literals.length > 0 && text.length >= MIN_SECRET_LENGTH ? removeLiterals(text, walk.literals) : text;
  out = redact(out, { env: null });
  return out;
}

function walkValue(value: unknown, walk: Walk, depth: number): unknown {
  if (typeof value === 'string') return redactString(value, walk);
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function'
      ? `[Function ${(value as { name?: string }).name || 'anonymous'}]`
      : value;
  }
  if (depth >= walk.maxDepth) return '[Truncated]';
  const seen = walk.seen.get(value);
  if (seen !== undefined) return seen;

  if (value instanceof Date) return value;
  if (value instanceof URL) return redactString(value.href, walk);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.constructor.name}]`;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    walk.seen.set(value, out);
    for (const item of value) out.push(walkValue(item, walk, depth + 1));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    walk.seen.set(value, out);
    for (const [key, item] of value) {
      out.set(
        key,
        typeof key === 'string' && isSecretName(key) && isScalar(item)
          ? REDACTED
          : walkValue(item, walk, depth + 1),
      );
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    walk.seen.set(value, out);
    for (const item of value) out.add(walkValue(item, walk, depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  walk.seen.set(value, out);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  if (value instanceof Error) {
    for (const key of ['name', 'message', 'stack', 'cause', 'errors']) {
      if (key in value && !keys.includes(key)) keys.unshift(key);
    }
  }
  for (const key of keys) {
    let item: unknown;
    try {
      item = source[key];
    } catch {
      continue;
    }
    out[key] =
      isSecretName(key) && isScalar(item) && item !== '' && item !== null
        ? REDACTED
        : walkValue(item, walk, depth + 1);
  }
  return out;
}

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/**
 * Deep redaction of any value: strings go through {@link redact}; values of secret-named keys
 * (`authorization`, `token`, `password`, `apiKey`, …) become `'[REDACTED]'`; Errors become plain
 * objects (name, message, stack, cause, errors and own properties); cycles are preserved; functions
 * are described, binary data is summarised. Returns a new value; the input is not modified.
 */
export function redactValue<T>(value: T, options?: RedactValueOptions): T {
  const walk: Walk = {
    literals: literalSecrets(options),
    maxDepth: options?.maxDepth ?? 20,
    seen: new WeakMap(),
  };
  return walkValue(value, walk, 0) as T;
}
