/** Proxy settings; by default read from the environment (see {@link proxyConfigFromEnv}). */
export interface ProxyConfig {
  /** Proxy for http: URLs, e.g. `http://user:pass@proxy:3128`. */
  http?: string | undefined;
  /** Proxy for https: URLs (tunnelled with CONNECT). */
  https?: string | undefined;
  /** Hosts reached directly: comma- or space-separated names, `.suffix`, `*.suffix`, `host:port`, `*`. */
  noProxy?: string | undefined;
}

/**
 * Reads HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lower-case names win, as in curl and undici).
 * With settings from the environment, loopback hosts (localhost, 127.0.0.0/8, ::1) are always
 * reached directly; an explicit {@link ProxyConfig} is taken as given.
 */
export function proxyConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProxyConfig {
  const pick = (name: string): string | undefined => {
    const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  return { http: pick('http_proxy'), https: pick('https_proxy'), noProxy: pick('no_proxy') };
}

function isLoopback(host: string): boolean {
  return (
    host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1'
  );
}

/** Whether `url` bypasses the proxy according to a NO_PROXY list. */
export function bypassesProxy(url: URL, noProxy: string | undefined, loopbackDirect = false): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (loopbackDirect && isLoopback(host)) return true;
  if (!noProxy) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*?):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes('::')) {
      entry = portMatch[1] as string;
      entryPort = portMatch[2];
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy URL to use for `url`, or `undefined` for a direct connection. */
export function proxyFor(url: URL, config: ProxyConfig | false | undefined): URL | undefined {
  if (config === false) return undefined;
  const effective = config ?? proxyConfigFromEnv();
  const raw = url.protocol === 'https:' ? effective.https : effective.http;
  if (!raw || bypassesProxy(url, effective.noProxy, config === undefined)) return undefined;
  try {
    // A bare "host:port" means http://host:port.
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

/** `Proxy-Authorization` value for a proxy URL with userinfo, else `undefined`. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
