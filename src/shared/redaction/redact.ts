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

export { redactError, redactHeaders } from './redactError.js';
export { redact, redactUrl } from './redactText.js';
export { type RedactValueOptions, redactValue } from './redactValue.js';
export {
  addSecret,
  type EnvLike,
  isSecretName,
  MIN_SECRET_LENGTH,
  REDACTED,
  type RedactOptions,
  secretValuesOf,
} from './secrets.js';
