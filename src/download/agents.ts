import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { proxyAuthHeaders } from '../proxy/auth.js';

type ConnectCallback = (error: Error | null, socket?: Duplex) => void;

/**
 * An https Agent that reaches its targets through an HTTP proxy with CONNECT, then runs TLS to
 * the target inside the tunnel (the proxy never sees the plaintext, Authorization included).
 * Keep-alive applies to the tunnelled connections.
 */
class TunnelAgent extends https.Agent {
  readonly #proxy: URL;

  constructor(proxy: URL, options: https.AgentOptions) {
    super(options);
    this.#proxy = proxy;
  }

  // Node's Agent accepts an asynchronous createConnection that reports through the callback.
  override createConnection(
    options: tls.ConnectionOptions & { host?: string; port?: number },
    callback: ConnectCallback,
  ): undefined {
    const proxy = this.#proxy;
    const target = `${options.host ?? 'localhost'}:${options.port ?? 443}`;
    const headers: Record<string, string> = { host: target, ...proxyAuthHeaders(proxy) };
    const request = (proxy.protocol === 'https:' ? https : http).request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers,
      agent: false,
    });
    request.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        const error = new Error(
          `Proxy refused CONNECT to ${target}: HTTP ${response.statusCode}`,
        ) as Error & {
          code: string;
          status: number | undefined;
        };
        error.code = 'ERR_PROXY_CONNECT';
        error.status = response.statusCode;
        callback(error);
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername ?? options.host });
      callback(null, secure);
    });
    request.once('error', (error) => callback(error));
    request.end();
    return undefined;
  }
}

/** Keep-alive agents of one Downloader: direct http/https, plain-HTTP proxies and CONNECT tunnels. */
export class Agents {
  readonly http = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly https = new https.Agent({ keepAlive: true, maxSockets: 64 });
  readonly #proxied = new Map<string, http.Agent>();
  readonly #tunnels = new Map<string, https.Agent>();

  /** The agent to send a plain-HTTP proxied request through (keyed by proxy origin). */
  forProxy(proxy: URL): http.Agent {
    let agent = this.#proxied.get(proxy.href);
    if (!agent) {
      agent =
        proxy.protocol === 'https:'
          ? new https.Agent({ keepAlive: true })
          : new http.Agent({ keepAlive: true });
      this.#proxied.set(proxy.href, agent);
    }
    return agent;
  }

  /** The agent that tunnels https requests through `proxy`. */
  forTunnel(proxy: URL): https.Agent {
    let agent = this.#tunnels.get(proxy.href);
    if (!agent) {
      agent = new TunnelAgent(proxy, { keepAlive: true });
      this.#tunnels.set(proxy.href, agent);
    }
    return agent;
  }

  /** Closes every pooled connection. */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
    for (const agent of this.#proxied.values()) agent.destroy();
    for (const agent of this.#tunnels.values()) agent.destroy();
    this.#proxied.clear();
    this.#tunnels.clear();
  }
}
