/** Which values are secret: secret-named environment variables, registered values, caller-given literals. */

import { globalRegistry } from '../globalRegistry.js';

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
    // Stryker disable next-line ConditionalExpression: a non-string has no length of 4 or more either
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
  // Stryker disable next-line StringLiteral: PWD is not a secret name in the first place; listed for readers
  'PWD',
  // Stryker disable next-line StringLiteral: OLDPWD is not a secret name in the first place; listed for readers
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
  // Stryker disable next-line ConditionalExpression: a cache; computing the answer again gives the same answer
  if (result !== undefined) return result;
  result = SECRET_NAME.test(name) || name.split(/[-_.]/).some((segment) => SECRET_SEGMENT.test(segment));
  // Stryker disable next-line ConditionalExpression,EqualityOperator: bounds the cache's memory; answers stay the same
  if (nameCache.size > 10_000) nameCache.clear();
  nameCache.set(name, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Registered secrets (values the process knows are secret, e.g. a token passed in code)

/** Registered secrets, shared by every loaded copy of the package (see globalRegistry). */
const registered = globalRegistry<Set<string>>('secrets', () => new Set());

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
    // Stryker disable next-line ConditionalExpression: a cache; recomputing the names gives the same names
    cached &&
    cached.keys.length === keys.length &&
    // Stryker disable next-line ArrowFunction,ConditionalExpression,EqualityOperator: a cache miss only recomputes the same names
    cached.keys.every((key, index) => key === keys[index])
    // Stryker disable next-line BlockStatement: a cache miss only recomputes the same names
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

/** Every literal secret to remove for `options`, longest first (so a secret containing another goes first). */
export function literalSecrets(options: RedactOptions | undefined): string[] {
  const env = options?.env === undefined ? process.env : options.env;
  const values = env ? secretValuesOf(env) : [];
  for (const value of registered) values.push(value);
  if (options?.secrets) {
    for (const value of options.secrets) {
      if (isLiteralSecret(value)) values.push(value);
    }
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: sorting zero or one value changes nothing
  if (values.length > 1) values.sort((a, b) => b.length - a.length);
  return values;
}

/** `text` with every one of `values` (and its percent-encoded form) replaced by REDACTED. */
export function removeLiterals(text: string, values: readonly string[]): string {
  for (const value of values) {
    // Stryker disable next-line ConditionalExpression: splitting on a value that is not there returns the text as it is
    if (text.includes(value)) text = text.split(value).join(REDACTED);
    // Also the percent-encoded form (a secret inside a URL or a form body).
    const encoded = encodeURIComponent(value);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: splitting on a value that is not there returns the text as it is
    if (encoded !== value && text.includes(encoded)) text = text.split(encoded).join(REDACTED);
  }
  return text;
}
