import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import type { HealthServer } from '../../src/health/server.js';
import { hostName } from '../../src/health/serverHost.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { parseExposition } from './expositionParser.js';

const quiet = { openTelemetry: false as const, circuits: false as const };
const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  reporter: HealthReporter,
  options: Parameters<HealthReporter['serve']>[0] = { port: 0 },
) {
  const server = await reporter.serve(options);
  servers.push(server);
  return server;
}

describe('serve()', () => {
  it('answers /health with JSON (503 when unhealthy), /metrics with Prometheus text and /dashboard with HTML', async () => {
    const reporter = new HealthReporter(quiet);
    reporter.record({ component: 'downloader', operation: 'download', success: true, durationMs: 12 });
    const server = await serve(reporter);
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);

    let res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { status: string; components: Array<{ name: string }> };
    expect(body.status).toBe('healthy');
    expect(body.components[0]?.name).toBe('downloader');

    res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(await res.text());
    expect(families.get('wan_reliability_calls_total')?.samples[0]?.value).toBe(1);

    res = await fetch(`${server.url}/dashboard`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("form-action 'none'");
    expect(res.headers.get('content-security-policy')).toContain("base-uri 'none'");
    expect(await res.text()).toContain('<svg');

    for (let i = 0; i < 5; i++) {
      reporter.record({
        component: 'downloader',
        operation: 'download',
        success: false,
        durationMs: 1,
        category: 'network',
      });
    }
    res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { status: string }).status).toBe('unhealthy');

    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/health`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('closes on close() and on abort, and validates its options', async () => {
    const reporter = new HealthReporter(quiet);
    const server = await serve(reporter);
    await server.close();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    const controller = new AbortController();
    const other = await serve(reporter, { port: 0, signal: controller.signal });
    controller.abort();
    await other.close();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
    expect(() => reporter.serve({ port: 70_000 })).toThrow(/port/);
  });
});

/** Sends one raw HTTP request (exact bytes, any Host) and returns the status code and body. */
function raw(port: number, request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0), text: data }),
    );
  });
}

const get = (port: number, path: string, host: string | undefined, extra = '') =>
  raw(
    port,
    `GET ${path} HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}${extra}Connection: close\r\n\r\n`,
  );

describe('hostName (Host header parsing)', () => {
  it('strips the port and brackets, lower-cases, and never throws on any input (property)', () => {
    expect(hostName('LocalHost:9464')).toBe('localhost');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('example.org.')).toBe('example.org');
    for (const bad of [undefined, '', ' ', 'a:b', 'a:1:2', '[::1', '[::1]x', 'user@host', 'host/path'])
      expect(hostName(bad)).toBeUndefined();
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 65535 }),
        (labels, port) => {
          const name = labels.join('.');
          expect(hostName(`${name.toUpperCase()}:${port}`)).toBe(name);
          expect(hostName(name)).toBe(name);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = hostName(text);
        expect(out === undefined || (out !== '' && out === out.toLowerCase())).toBe(true);
      }),
    );
  });
});

describe('serve(): Host checks, strict mode and breaker reset', () => {
  it('answers only Host values it serves: a DNS-rebinding page gets 421 and no data', async () => {
    const reporter = new HealthReporter({ ...quiet, instanceId: 'secret-instance' });
    reporter.record({ component: 'downloader', operation: 'download', success: true, durationMs: 3 });
    const server = await serve(reporter, { port: 0, allowedHosts: ['health.internal'] });
    const { port } = server;
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      'localhost.evil',
    ]) {
      for (const path of ['/health', '/metrics', '/dashboard']) {
        const res = await get(port, path, host);
        expect(res.status, `${host} ${path}`).toBe(421);
        expect(res.text).not.toContain('secret-instance');
        expect(res.text).not.toContain(String(process.pid));
      }
    }
    expect((await get(port, '/health', undefined)).status).toBe(400);
    expect((await raw(port, 'GET /health HTTP/1.0\r\n\r\n')).status).toBe(400);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST.',
      `[::1]:${port}`,
      'health.internal',
    ]) {
      const res = await get(port, '/health', host);
      expect(res.status, host).toBe(200);
      expect(res.text).toContain('secret-instance');
    }
    expect(() => reporter.serve({ allowedHosts: ['http://x'] })).toThrow(/allowedHosts/);
  });

  it('strict: /health is 503 for degraded as well as unhealthy', async () => {
    const reporter = new HealthReporter(quiet);
    for (let i = 0; i < 10; i++)
      reporter.record({ component: 'hub', operation: 'get', success: true, durationMs: 1 });
    for (let i = 0; i < 3; i++)
      reporter.record({
        component: 'hub',
        operation: 'get',
        success: false,
        durationMs: 1,
        category: 'network',
      });
    expect(reporter.status()).toBe('degraded');
    const lenient = await serve(reporter, { port: 0 });
    const strict = await serve(reporter, { port: 0, strict: true });
    expect((await fetch(`${lenient.url}/health`)).status).toBe(200);
    expect((await fetch(`${strict.url}/health`)).status).toBe(503);
    reporter.record({ component: 'hub', operation: 'get', success: true, durationMs: 1 });
    expect((await fetch(`${strict.url}/health`)).status).toBe(200);
    expect(() => reporter.serve({ strict: 'yes' as never })).toThrow(/strict/);
  });

  it('resets a breaker only with the operator token (off by default), which never shows up anywhere', async () => {
    const token = 'op-reset-7f3c9a1e5b2d4c6f';
    const breaker = new CircuitBreaker({ name: 'download:http://mirror.test' });
    breaker.open();
    const reporter = new HealthReporter(quiet);
    const path = `/circuits/${encodeURIComponent(breaker.name)}/reset`;
    const post = (url: string, auth?: string) =>
      fetch(url, { method: 'POST', ...(auth ? { headers: { authorization: auth } } : {}) });

    const readOnly = await serve(reporter, { port: 0, circuits: () => [breaker] });
    expect((await post(`${readOnly.url}${path}`, `Bearer ${token}`)).status).toBe(405);
    expect(breaker.state).toBe('open');

    const server = await serve(reporter, { port: 0, resetToken: token, circuits: () => [breaker] });
    const answers: string[] = [];
    for (const auth of [undefined, 'Bearer wrong-token-0000000000', `Basic ${token}`, `Bearer ${token}x`]) {
      const res = await post(`${server.url}${path}`, auth);
      expect(res.status, auth).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      answers.push(await res.text());
    }
    expect(breaker.state).toBe('open');
    expect((await fetch(`${server.url}${path}`)).status).toBe(405);
    // A foreign Host is refused before the token is even looked at.
    const rebound = await raw(
      server.port,
      `POST ${path} HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(rebound.status).toBe(421);
    expect(breaker.state).toBe('open');
    const missing = await post(`${server.url}/circuits/nope/reset`, `Bearer ${token}`);
    expect(missing.status).toBe(404);
    const ok = await post(`${server.url}${path}`, `Bearer ${token}`);
    expect(ok.status).toBe(200);
    const body = await ok.text();
    expect(JSON.parse(body)).toEqual({ name: breaker.name, state: 'closed' });
    expect(breaker.state).toBe('closed');
    answers.push(body, rebound.text, await missing.text());
    expect(answers.filter((a) => a.includes(token))).toEqual([]);

    let message = '';
    try {
      await reporter.serve({ resetToken: 'short-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/resetToken/);
    expect(message).not.toContain('short-secret');
  });

  it('resets breakers from the live registry by default', async () => {
    const token = 'op-reset-0123456789abcdef';
    const breaker = new CircuitBreaker({ name: `registry-${process.pid}-${Date.now()}` });
    breaker.open();
    const server = await serve(new HealthReporter(quiet), { port: 0, resetToken: token });
    const res = await fetch(`${server.url}/circuits/${encodeURIComponent(breaker.name)}/reset`, {
      method: 'POST',
      headers: { authorization: `bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(breaker.state).toBe('closed');
  });
});

const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasPrometheus && !process.env.CI)('a real Prometheus server', () => {
  let prometheus: RunningPrometheus | undefined;
  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
  });

  it('scrapes three serve() instances and its HTTP API returns the aggregated success rate', async () => {
    const outcomes = [
      [8, 2],
      [5, 5],
      [9, 1],
    ] as const;
    const targets: string[] = [];
    for (const [ok, failed] of outcomes) {
      const reporter = new HealthReporter(quiet);
      for (let i = 0; i < ok; i++)
        reporter.record({ component: 'downloader', operation: 'download', success: true, durationMs: 50 });
      for (let i = 0; i < failed; i++) {
        reporter.record({
          component: 'downloader',
          operation: 'download',
          success: false,
          durationMs: 50,
          category: 'timeout',
        });
      }
      const server = await serve(reporter);
      targets.push(`127.0.0.1:${server.port}`);
    }
    prometheus = await startPrometheus(targets);
    const running = prometheus;
    const query = (expr: string) => running.query(expr);
    const deadline = Date.now() + 20_000;
    let rate: number | undefined;
    let up = 0;
    while (Date.now() < deadline) {
      try {
        up = Number((await query('count(up{job="wan"} == 1)'))[0]?.value[1] ?? 0);
        if (up === 3) {
          const result = await query(
            'sum(wan_reliability_calls_total{outcome="success"}) / sum(wan_reliability_calls_total)',
          );
          if (result[0]) {
            rate = Number(result[0].value[1]);
            const scraped = Number(
              (await query('count(wan_reliability_calls_total{outcome="success"})'))[0]?.value[1],
            );
            if (scraped === 3) break;
          }
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (rate === undefined)
      throw new Error(`Prometheus never answered (up=${up}):\n${running.log().slice(-2000)}`);
    expect(up).toBe(3);
    expect(rate).toBeCloseTo(22 / 30, 6);
  }, 40_000);
});
