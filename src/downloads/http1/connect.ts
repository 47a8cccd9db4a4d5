import net from 'node:net';
import tls from 'node:tls';
import { proxyAuthHeaders } from '../../proxy/auth.js';
import type { ProxyConfig } from '../../proxy/config.js';
import { proxyFor } from '../../proxy/resolve.js';
import { abortReason, Connection } from './connection.js';
import { findHeadEnd, MAX_HEAD_BYTES, parseHead } from './head.js';

/** TLS settings for https requests (e.g. a private CA of a corporate mirror). */
export interface TlsOptions {
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Default true; set false only for testing. */
  rejectUnauthorized?: boolean;
}

/** How a request reaches its URL: directly, through an HTTP proxy, or through a CONNECT tunnel. */
export interface Route {
  /** Connections are pooled by this key. */
  readonly key: string;
  readonly target: URL;
  readonly proxy: URL | undefined;
  /** The request line's target: origin-form, or absolute-form for a plain-HTTP proxy. */
  readonly requestTarget: string;
  /** Headers for the proxy on absolute-form requests (Proxy-Authorization). */
  readonly proxyHeaders: Readonly<Record<string, string>>;
}

const defaultPort = (url: URL): number => Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
const bareHost = (hostname: string): string => hostname.replace(/^\[|\]$/g, '');

/** The route to `url` under the proxy settings (curl semantics, see src/proxy). */
export function routeFor(url: URL, proxySetting: ProxyConfig | false | undefined): Route {
  const proxy = proxyFor(url, proxySetting);
  const origin = `${url.protocol}//${url.host}`;
  const path = `${url.pathname || '/'}${url.search}`;
  if (!proxy) return { key: origin, target: url, proxy, requestTarget: path, proxyHeaders: {} };
  if (url.protocol === 'http:') {
    const absolute = new URL(url.href);
    absolute.hash = '';
    absolute.username = '';
    absolute.password = '';
    return {
      key: `${origin} via ${proxy.href}`,
      target: url,
      proxy,
      requestTarget: absolute.href,
      proxyHeaders: proxyAuthHeaders(proxy),
    };
  }
  return { key: `${origin} tunnel ${proxy.href}`, target: url, proxy, requestTarget: path, proxyHeaders: {} };
}

/** Resolves once `socket` connected (or its TLS handshake finished); rejects on error or abort. */
function whenConnected(
  socket: net.Socket,
  event: 'connect' | 'secureConnect',
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      socket.destroy();
      finish(abortReason(signal));
    };
    const finish = (error?: Error) => {
      socket.removeListener(event, onConnected);
      socket.removeListener('error', finish);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onConnected = () => finish();
    if (signal.aborted) {
      onAbort();
      return;
    }
    socket.once(event, onConnected);
    socket.once('error', finish);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function tlsSettings(url: URL, options: TlsOptions | undefined): tls.ConnectionOptions {
  const host = bareHost(url.hostname);
  // `host` is what the certificate is checked against (also inside a tunnel).
  const settings: tls.ConnectionOptions = { host, ALPNProtocols: ['http/1.1'] };
  // SNI carries names only, never IP literals.
  if (net.isIP(host) === 0) settings.servername = host;
  if (options?.ca !== undefined) settings.ca = options.ca as tls.ConnectionOptions['ca'];
  if (options?.rejectUnauthorized !== undefined) settings.rejectUnauthorized = options.rejectUnauthorized;
  return settings;
}

/** A socket to `url`'s host (plain or TLS); `onread` is only set on the socket that carries HTTP. */
async function openSocket(
  url: URL,
  signal: AbortSignal,
  tlsOptions: TlsOptions | undefined,
  onread: Connection['onread'] | undefined,
): Promise<net.Socket> {
  const host = bareHost(url.hostname);
  const port = defaultPort(url);
  const extra = onread ? { onread } : {};
  if (url.protocol === 'https:') {
    const socket = tls.connect({ host, port, ...tlsSettings(url, tlsOptions), ...extra });
    await whenConnected(socket, 'secureConnect', signal);
    return socket;
  }
  const socket = net.connect({ host, port, noDelay: true, ...extra });
  await whenConnected(socket, 'connect', signal);
  return socket;
}

/** Opens a CONNECT tunnel through `proxy` to `target` and returns the raw tunnel socket. */
async function openTunnel(proxy: URL, target: URL, signal: AbortSignal, tlsOptions: TlsOptions | undefined) {
  const socket = await openSocket(proxy, signal, tlsOptions, undefined);
  const authority = `${bareHost(target.hostname).includes(':') ? `[${bareHost(target.hostname)}]` : target.hostname}:${defaultPort(target)}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  for (const [name, value] of Object.entries(proxyAuthHeaders(proxy))) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const head = await new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const finish = (error?: Error, value?: Buffer) => {
      socket.removeListener('data', onData);
      socket.removeListener('error', finish);
      socket.removeListener('end', onEnd);
      signal.removeEventListener('abort', onAbort);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve(value as Buffer);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = findHeadEnd(received, received.length);
      if (end >= 0) {
        // Nothing may follow the answer before our TLS handshake starts.
        if (end !== received.length)
          finish(new Error(`Proxy ${proxy.host} sent data after its CONNECT answer`));
        else finish(undefined, received.subarray(0, end));
      } else if (received.length > MAX_HEAD_BYTES)
        finish(new Error(`Proxy ${proxy.host} sent an oversized answer`));
    };
    const onEnd = () => finish(new Error(`Proxy ${proxy.host} closed the connection during CONNECT`));
    const onAbort = () => finish(abortReason(signal));
    socket.on('data', onData);
    socket.once('error', finish);
    socket.once('end', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const answer = parseHead(head, proxy.origin);
  if (answer.statusCode !== 200) {
    socket.destroy();
    const error = new Error(`Proxy refused CONNECT to ${authority}: HTTP ${answer.statusCode}`) as Error & {
      code: string;
      status: number;
    };
    error.code = 'ERR_PROXY_CONNECT';
    error.status = answer.statusCode;
    throw error;
  }
  return socket;
}

/** Opens a new connection along `route`. Rejects with the abort reason if `signal` fires first. */
export async function openConnection(
  route: Route,
  signal: AbortSignal,
  tlsOptions: TlsOptions | undefined,
): Promise<Connection> {
  const connection = new Connection(route.key);
  let socket: net.Socket;
  if (!route.proxy) {
    socket = await openSocket(route.target, signal, tlsOptions, connection.onread);
  } else if (route.target.protocol === 'http:') {
    socket = await openSocket(route.proxy, signal, tlsOptions, connection.onread);
  } else {
    const tunnel = await openTunnel(route.proxy, route.target, signal, tlsOptions);
    // TLS to the target runs inside the tunnel: the proxy never sees the plaintext.
    // Node honours `onread` on TLS sockets too; its typings only declare it for net.
    const settings: tls.ConnectionOptions = { socket: tunnel, ...tlsSettings(route.target, tlsOptions) };
    socket = tls.connect(Object.assign(settings, { onread: connection.onread }));
    try {
      await whenConnected(socket, 'secureConnect', signal);
    } catch (error) {
      tunnel.destroy();
      throw error;
    }
  }
  connection.attach(socket);
  return connection;
}
