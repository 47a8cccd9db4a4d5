import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bypassesProxy,
  classifyReachError,
  network,
  proxyFor,
  type UrlReachability,
} from '../../../src/diagnostics/preflight/checks/network.js';
import { PreflightValidator } from '../../../src/diagnostics/preflight/PreflightValidator.js';
import type { CheckOutcome, PreflightCheck } from '../../../src/diagnostics/preflight/types.js';
import { ConfigurationError } from '../../../src/errors/ConfigurationError.js';

const signal = new AbortController().signal;
const run = async (check: PreflightCheck): Promise<CheckOutcome> => check.run({ signal });
const urlsOf = (outcome: CheckOutcome) => outcome.details?.urls as UrlReachability[];

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const sockets = new Set<net.Socket>();
const track = (server: net.Server) => {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return server;
};

let okServer: http.Server;
let stallServer: net.Server;
let errorServer: http.Server;
let proxyServer: http.Server;
let okPort = 0;
let stallPort = 0;
let errorPort = 0;
let proxyPort = 0;
let closedPort = 0;
const proxied: string[] = [];
const seenMethods: string[] = [];

beforeAll(async () => {
  okServer = track(
    http.createServer((req, res) => {
      seenMethods.push(req.method ?? '');
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    }),
  ) as http.Server;
  okPort = await listen(okServer);
  // Accepts connections and never answers.
  stallServer = track(net.createServer(() => {}));
  stallPort = await listen(stallServer);
  errorServer = track(
    http.createServer((_req, res) => {
      res.writeHead(503);
      res.end();
    }),
  ) as http.Server;
  errorPort = await listen(errorServer);
  // A closed port: bind, note the port, close.
  const temp = net.createServer();
  closedPort = await listen(temp);
  await new Promise((resolve) => temp.close(resolve));
  // A tiny forward proxy: absolute-URI requests for http, CONNECT tunnels for https.
  proxyServer = track(
    http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      const target = new URL(req.url ?? '');
      const upstream = http.request(
        target,
        { method: req.method, headers: { host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end();
    }),
  ) as http.Server;
  proxyServer.on('connect', (req, client: net.Socket) => {
    proxied.push(`CONNECT ${req.url}`);
    client.write('HTTP/1.1 403 Forbidden\r\n\r\n');
    client.end();
  });
  proxyPort = await listen(proxyServer);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(
    [okServer, stallServer, errorServer, proxyServer].map(
      (server) => new Promise((resolve) => server.close(resolve)),
    ),
  );
});

describe('network check against loopback servers', () => {
  it('passes when every URL answers (HEAD)', async () => {
    const outcome = await run(
      network({ urls: [`http://127.0.0.1:${okPort}/`, `http://localhost:${okPort}/x`], timeout: 2000 }),
    );
    expect(outcome.status).toBe('pass');
    expect(urlsOf(outcome).map((u) => [u.outcome, u.status])).toEqual([
      ['ok', 200],
      ['ok', 200],
    ]);
    expect(seenMethods).toContain('HEAD');
  });

  it('classifies a refused connection', async () => {
    const outcome = await run(network({ urls: [`http://127.0.0.1:${closedPort}/`], timeout: 2000 }));
    expect(outcome.status).toBe('fail');
    expect(urlsOf(outcome)[0]).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
    expect(String(outcome.remediation)).toMatch(/refused/);
  });

  it('classifies a stalled server as a timeout within the time limit', async () => {
    const started = performance.now();
    const outcome = await run(network({ urls: [`http://127.0.0.1:${stallPort}/`], timeout: 300 }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1500);
    expect(outcome.status).toBe('fail');
    expect(urlsOf(outcome)[0]?.outcome).toBe('timeout');
    expect(outcome.message).toContain('timeout after 300 ms');
  });

  it('suggests TLS interception when the TLS handshake fails', async () => {
    // An https URL answered by a plain HTTP server fails the handshake like an intercepting proxy would.
    const outcome = await run(network({ urls: [`https://127.0.0.1:${okPort}/`], timeout: 2000 }));
    expect(outcome.status).toBe('fail');
    expect(urlsOf(outcome)[0]?.outcome).toBe('tls');
    expect(String(outcome.remediation)).toMatch(/proxy or antivirus/);
    expect(String(outcome.remediation)).toMatch(/NODE_EXTRA_CA_CERTS/);
  });

  it('warns when only some mirrors are reachable, and treats 5xx as not reachable', async () => {
    const outcome = await run(
      network({
        urls: [
          `http://127.0.0.1:${okPort}/`,
          `http://127.0.0.1:${errorPort}/`,
          `http://127.0.0.1:${closedPort}/`,
        ],
        timeout: 2000,
      }),
    );
    expect(outcome.status).toBe('warn');
    expect(urlsOf(outcome).map((u) => u.outcome)).toEqual(['ok', 'http_error', 'refused']);
    expect(outcome.message).toContain('1 of 3 reachable');
  });

  it('classifies DNS failures', async () => {
    const outcome = await run(network({ urls: ['http://wan-preflight-test.invalid/'], timeout: 3000 }));
    expect(outcome.status).toBe('fail');
    expect(['dns', 'timeout']).toContain(urlsOf(outcome)[0]?.outcome);
  });

  it('runs inside the validator with stall, refused and success together, and redacts URLs', async () => {
    const report = await new PreflightValidator({
      checks: [
        network({ id: 'ok', urls: [`http://127.0.0.1:${okPort}/?token=tok-secret-1`], timeout: 1000 }),
        network({ id: 'stall', urls: [`http://u:pw-secret-2@127.0.0.1:${stallPort}/`], timeout: 200 }),
        network({ id: 'refused', urls: [`http://127.0.0.1:${closedPort}/`], timeout: 1000 }),
      ],
    }).run();
    expect(report.results.map((r) => [r.id, r.status])).toEqual([
      ['ok', 'pass'],
      ['stall', 'fail'],
      ['refused', 'fail'],
    ]);
    const text = JSON.stringify(report);
    expect(text).not.toContain('tok-secret-1');
    expect(text).not.toContain('pw-secret-2');
  });

  it('goes through an explicit proxy (absolute URI for http, CONNECT for https)', async () => {
    proxied.length = 0;
    const viaProxy = await run(
      network({
        urls: [`http://127.0.0.1:${okPort}/via`],
        proxy: `http://127.0.0.1:${proxyPort}`,
        timeout: 2000,
      }),
    );
    expect(viaProxy.status).toBe('pass');
    expect(proxied).toEqual([`HEAD http://127.0.0.1:${okPort}/via`]);
    expect(urlsOf(viaProxy)[0]?.proxy).toBe(`http://127.0.0.1:${proxyPort}/`);
    const tunnel = await run(
      network({ urls: ['https://huggingface.co/'], proxy: `http://127.0.0.1:${proxyPort}`, timeout: 2000 }),
    );
    expect(tunnel.status).toBe('fail');
    expect(urlsOf(tunnel)[0]).toMatchObject({ outcome: 'proxy', status: 403 });
    expect(proxied).toContain('CONNECT huggingface.co:443');
  });

  it('resolves the proxy from env like the Downloader (ALL_PROXY, blank values unset, loopback direct)', async () => {
    proxied.length = 0;
    const viaAll = `http://127.0.0.1:${proxyPort}`;
    // The loopback proxy refuses the CONNECT, so nothing leaves the machine.
    const outcome = await run(
      network({
        urls: ['https://huggingface.co/'],
        env: { https_proxy: ' ', ALL_PROXY: viaAll },
        timeout: 2000,
      }),
    );
    expect(urlsOf(outcome)[0]).toMatchObject({ outcome: 'proxy', status: 403, proxy: `${viaAll}/` });
    expect(proxied).toEqual(['CONNECT huggingface.co:443']);
    const direct = await run(
      network({ urls: [`http://127.0.0.1:${okPort}/`], env: { ALL_PROXY: viaAll }, timeout: 2000 }),
    );
    expect(direct.status).toBe('pass');
    expect(urlsOf(direct)[0]?.proxy).toBeUndefined();
    expect(proxied).toHaveLength(1);
  });

  it('validates its options', () => {
    expect(() => network({ urls: [] })).toThrow(ConfigurationError);
    expect(() => network({ urls: ['not a url'] })).toThrow(ConfigurationError);
    expect(() => network({ urls: ['ftp://x/'] })).toThrow(ConfigurationError);
    expect(network({ urls: ['https://x/'], timeout: 1000 }).timeout).toBe(6000);
  });
});

describe('proxy environment', () => {
  const env = {
    HTTPS_PROXY: 'http://proxy.corp:3128',
    http_proxy: 'http://plain.corp:8080',
    NO_PROXY: '.internal.corp,mirror.example:8443',
  };
  it('picks the proxy per scheme and honours NO_PROXY and loopback', () => {
    expect(proxyFor(new URL('https://huggingface.co/x'), undefined, env)?.host).toBe('proxy.corp:3128');
    expect(proxyFor(new URL('http://huggingface.co/x'), undefined, env)?.host).toBe('plain.corp:8080');
    expect(proxyFor(new URL('https://a.internal.corp/'), undefined, env)).toBeUndefined();
    expect(proxyFor(new URL('https://mirror.example:8443/'), undefined, env)).toBeUndefined();
    expect(proxyFor(new URL('https://mirror.example/'), undefined, env)?.host).toBe('proxy.corp:3128');
    expect(proxyFor(new URL('http://127.0.0.1:9/'), undefined, env)).toBeUndefined();
    expect(proxyFor(new URL('http://localhost:9/'), undefined, env)).toBeUndefined();
    expect(proxyFor(new URL('https://x.org/'), undefined, {})).toBeUndefined();
    expect(bypassesProxy(new URL('https://anything/'), '*')).toBe(true);
  });

  it('classifies error codes', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyReachError(e('ENOTFOUND'))).toBe('dns');
    expect(classifyReachError(e('EAI_AGAIN'))).toBe('dns');
    expect(classifyReachError(e('ECONNREFUSED'))).toBe('refused');
    expect(classifyReachError(e('SELF_SIGNED_CERT_IN_CHAIN'))).toBe('tls');
    expect(classifyReachError(e('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'))).toBe('tls');
    expect(classifyReachError(e('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('tls');
    expect(classifyReachError(e('ECONNRESET'))).toBe('reset');
    expect(classifyReachError(e('ETIMEDOUT'))).toBe('timeout');
    expect(classifyReachError(e('ENETUNREACH'))).toBe('unreachable');
    expect(classifyReachError(e('EWHATEVER'))).toBe('error');
  });
});
