import { type ProxyConfig, type ProxyEnv, proxyConfigFromEnv } from './config.js';
import { bypassesProxy, isLoopbackHost } from './noProxy.js';

// A bare "host:port" (no scheme) means an HTTP proxy, as in curl.
function parseProxy(raw: string): URL | undefined {
  try {
    const proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    // Only HTTP(S) proxies are spoken; anything else (e.g. socks5://) means a direct connection.
    return proxy.protocol === 'http:' || proxy.protocol === 'https:' ? proxy : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The proxy URL to use for `url`, or `undefined` for a direct connection. This one resolver serves
 * both the Downloader and the preflight `network` check, so the check predicts what downloads do.
 *
 * - `config === false`: never a proxy.
 * - `config` given: taken as is (its `noProxy` honoured; loopback hosts may be proxied).
 * - `config` undefined: {@link proxyConfigFromEnv}(`env`), and loopback hosts are always direct.
 *
 * An unparseable or non-HTTP(S) proxy value (e.g. `socks5://…`) means a direct connection.
 */
export function proxyFor(
  url: URL,
  config: ProxyConfig | false | undefined,
  env: ProxyEnv = process.env,
): URL | undefined {
  if (config === false) return undefined;
  const fromEnv = config === undefined;
  if (fromEnv && isLoopbackHost(url.hostname)) return undefined;
  const effective = config ?? proxyConfigFromEnv(env);
  const raw = (url.protocol === 'https:' ? effective.https : effective.http)?.trim();
  if (!raw || bypassesProxy(url, effective.noProxy)) return undefined;
  return parseProxy(raw);
}
