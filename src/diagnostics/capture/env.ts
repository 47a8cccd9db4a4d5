import { type EnvLike, isSecretName, REDACTED } from '../../shared/redaction/redact.js';

/**
 * Environment variables an error context lists by default: what explains install failures
 * (search paths, Python and CUDA setup, Hugging Face cache and endpoint, proxies, locale).
 * Anything else is never captured unless added with the `envAllowList` option.
 */
export const DEFAULT_ENV_ALLOW_LIST: readonly string[] = Object.freeze([
  'PATH',
  'PYTHONPATH',
  'PYTHONHOME',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'CONDA_DEFAULT_ENV',
  'PIP_INDEX_URL',
  'PIP_EXTRA_INDEX_URL',
  'NODE_OPTIONS',
  'NODE_ENV',
  'NODE_EXTRA_CA_CERTS',
  'HF_HOME',
  'HF_ENDPOINT',
  'HF_HUB_CACHE',
  'HF_HUB_OFFLINE',
  'HF_HUB_ENABLE_HF_TRANSFER',
  'TRANSFORMERS_CACHE',
  'MODELSCOPE_CACHE',
  'CUDA_VISIBLE_DEVICES',
  'CUDA_HOME',
  'CUDA_PATH',
  'LD_LIBRARY_PATH',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
  'TMPDIR',
  'LANG',
  'SHELL',
  'CI',
]);

/**
 * The allow-listed subset of `env`. Names are matched case-insensitively on Windows (where `Path`
 * is `PATH`). Values of secret-looking names become `[REDACTED]`; every other value goes through
 * `redactText` (which removes proxy userinfo, tokens and known secret values).
 */
export function envSubset(
  env: EnvLike,
  allowList: readonly string[],
  redactText: (text: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const caseInsensitive = process.platform === 'win32';
  const wanted = new Map<string, string>();
  for (const name of allowList) wanted.set(caseInsensitive ? name.toUpperCase() : name, name);
  for (const name of Object.keys(env)) {
    const key = caseInsensitive ? name.toUpperCase() : name;
    if (!wanted.has(key)) continue;
    const value = env[name];
    if (typeof value !== 'string') continue;
    out[name] = isSecretName(name) ? REDACTED : redactText(value);
  }
  return out;
}
