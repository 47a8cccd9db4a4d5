/** Proxy settings; by default read from the environment (see {@link proxyConfigFromEnv}). */
export interface ProxyConfig {
  /** Proxy for http: URLs, e.g. `http://user:pass@proxy:3128` (a bare `host:port` means http://). */
  http?: string | undefined;
  /** Proxy for https: URLs (tunnelled with CONNECT). */
  https?: string | undefined;
  /**
   * Hosts reached directly: comma- or space-separated `*`, `host`, `.domain` / `domain` (suffix match),
   * `*.domain`, IPv4 literals, bare or bracketed IPv6 literals, each with an optional `:port`.
   */
  noProxy?: string | undefined;
}

/** An environment to read proxy variables from (process.env by default). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

// Empty or whitespace-only values count as unset, so `HTTP_PROXY=` does not hide a later candidate.
function firstSet(env: ProxyEnv, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * Reads the proxy variables as curl does: for each scheme `<scheme>_proxy` (lower-case first, then
 * upper-case; curl ignores upper-case HTTP_PROXY only to protect CGI programs, which do not apply
 * here), then `all_proxy` / `ALL_PROXY`; `no_proxy` before `NO_PROXY`. Empty or whitespace-only
 * values are unset. With settings from the environment, loopback hosts (localhost, 127.0.0.0/8,
 * ::1) are always reached directly; an explicit {@link ProxyConfig} is taken as given.
 */
export function proxyConfigFromEnv(env: ProxyEnv = process.env): ProxyConfig {
  const all = ['all_proxy', 'ALL_PROXY'];
  return {
    http: firstSet(env, ['http_proxy', 'HTTP_PROXY', ...all]),
    https: firstSet(env, ['https_proxy', 'HTTPS_PROXY', ...all]),
    noProxy: firstSet(env, ['no_proxy', 'NO_PROXY']),
  };
}
