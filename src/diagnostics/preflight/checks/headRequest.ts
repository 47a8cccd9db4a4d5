import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { proxyAuthHeaders } from '../../../proxy/auth.js';

function fail(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, extra);
}

/**
 * One HEAD request; resolves the status code. Through `proxy` when given (CONNECT tunnel for
 * https, absolute-URI request for http). Every socket is destroyed when the request ends.
 */
export function headRequest(
  url: URL,
  options: {
    timeoutMs: number;
    proxy?: URL | undefined;
    headers?: Readonly<Record<string, string>>;
    signal?: AbortSignal;
  },
): Promise<number> {
  // Loaded when a network check runs, not when /diagnostics is imported (~5 ms of a cold import).
  const http = process.getBuiltinModule('node:http');
  const https = process.getBuiltinModule('node:https');
  const tls = process.getBuiltinModule('node:tls');
  return new Promise<number>((resolve, reject) => {
    const sockets = new Set<Socket>();
    const requests = new Set<ClientRequest>();
    let settled = false;
    const finish = (error: Error | undefined, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const request of requests) request.destroy();
      for (const socket of sockets) socket.destroy();
      if (error) reject(error);
      else resolve(status ?? 0);
    };
    const timer = setTimeout(
      () => finish(fail('ETIMEOUT_PREFLIGHT', `no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => finish(fail('ABORT_ERR', 'aborted'));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const track = (request: ClientRequest) => {
      requests.add(request);
      request.on('socket', (socket: Socket) => sockets.add(socket));
      request.on('error', (error) => finish(error));
      return request;
    };
    const onResponse = (response: IncomingMessage) => {
      response.resume();
      finish(undefined, response.statusCode ?? 0);
    };
    const headers = { ...(options.headers ?? {}) };
    const isHttps = url.protocol === 'https:';
    const targetPort = Number(url.port || (isHttps ? 443 : 80));
    const proxy = options.proxy;

    if (!proxy) {
      const request = (isHttps ? https : http).request(
        url,
        { method: 'HEAD', headers, agent: false },
        onResponse,
      );
      track(request).end();
      return;
    }
    const proxyModule = proxy.protocol === 'https:' ? https : http;
    const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
    if (!isHttps) {
      const request = proxyModule.request(
        {
          host: proxy.hostname.replace(/^\[|\]$/g, ''),
          port: proxyPort,
          method: 'HEAD',
          path: url.href,
          headers: { host: url.host, ...headers, ...proxyAuthHeaders(proxy) },
          agent: false,
        },
        (response) => {
          if (response.statusCode === 407) {
            response.resume();
            finish(fail('EPROXY', 'proxy authentication required (407)', { status: 407 }));
          } else onResponse(response);
        },
      );
      track(request).end();
      return;
    }
    const connect = proxyModule.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxyPort,
      method: 'CONNECT',
      path: `${url.hostname}:${targetPort}`,
      headers: { host: `${url.hostname}:${targetPort}`, ...proxyAuthHeaders(proxy) },
      agent: false,
    });
    track(connect);
    connect.on('connect', (response, socket) => {
      sockets.add(socket);
      if (response.statusCode !== 200) {
        finish(
          fail('EPROXY', `proxy refused the tunnel (${response.statusCode})`, {
            status: response.statusCode,
          }),
        );
        return;
      }
      const request = https.request(
        url,
        {
          method: 'HEAD',
          headers,
          createConnection: () => {
            const secure = tls.connect({ socket, servername: url.hostname });
            sockets.add(secure);
            return secure;
          },
        },
        onResponse,
      );
      track(request).end();
    });
    connect.end();
  });
}
