import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  RetriesExhaustedError,
  RetryableResultError,
  type RetryInfo,
  RetryPolicy,
  retryOnResponse,
  withReliability,
} from '../../../src/index.js';
import { observe } from '../../support/policy-observe.js';

// fetch resolves on 503: without retryOnResult a policy wrapping fetch retries nothing.

type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void;

/** A loopback HTTP server answering request n with `handlers[min(n, last)]`; counts requests. */
async function serve(handlers: Handler[]): Promise<{ url: string; requests: () => number; server: Server }> {
  let count = 0;
  const server = createServer((request, response) => {
    const index = count;
    count += 1;
    handlers[Math.min(index, handlers.length - 1)]!(request, response, index);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/model.json`, requests: () => count, server };
}

function status(code: number, headers: Record<string, string> = {}): Handler {
  return (_request, response, index) => {
    response.writeHead(code, { 'content-type': 'text/plain', ...headers });
    response.end(`answer ${index + 1}: ${code}`);
  };
}

describe('RetryPolicy retryOnResult against a real server and global fetch', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('without retryOnResult a 503 is a success: one request, the 503 comes back', async () => {
    const site = await serve([status(503), status(200)]);
    servers.push(site.server);
    const response = await new RetryPolicy({ delays: [1] }).execute(({ signal }) =>
      fetch(site.url, { signal }),
    );
    expect(response.status).toBe(503);
    expect(site.requests()).toBe(1);
    await response.body?.cancel();
  });

  it('retries a 503 after the Retry-After the response asked for, then returns the 200', async () => {
    const site = await serve([status(503, { 'retry-after': '1' }), status(200)]);
    servers.push(site.server);
    const retries: RetryInfo[] = [];
    const policy = new RetryPolicy({ retries: 3, delays: [5], retryOnResult: retryOnResponse() });
    policy.on('retry', (info) => retries.push(info));
    const response = await policy.execute(({ signal }) => fetch(site.url, { signal }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('answer 2: 200');
    expect(site.requests()).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ delayMs: 1000, serverDirected: true, attempt: 1 });
    expect(retries[0]!.classification).toMatchObject({ category: 'network', retryable: true });
    expect(retries[0]!.error).toBeInstanceOf(RetryableResultError);
    expect((retries[0]!.error as RetryableResultError).status).toBe(503);
  });

  it('when retries run out on a 429, resolves with the last response (body readable), not an error', async () => {
    const site = await serve([status(429)]);
    servers.push(site.server);
    const giveUps: unknown[] = [];
    const policy = new RetryPolicy({ retries: 2, delays: [5], retryOnResult: retryOnResponse() });
    policy.on('retry:give-up', (info) => giveUps.push(info));
    const response = await policy.execute(({ signal }) => fetch(site.url, { signal }));
    expect(response.status).toBe(429);
    expect(await response.text()).toBe('answer 3: 429');
    expect(site.requests()).toBe(3);
    expect(giveUps).toEqual([expect.objectContaining({ reason: 'exhausted', attempts: 3 })]);
  });

  it('works through withReliability (retry ∘ breaker ∘ timeout) for a fetch-based client', async () => {
    const site = await serve([status(502), status(504), status(200)]);
    servers.push(site.server);
    const client = withReliability(
      { get: (url: string) => fetch(url) },
      { name: 'hub', retry: { delays: [5], retryOnResult: retryOnResponse() }, timeout: 10_000 },
    );
    const response = await client.get(site.url);
    expect(response.status).toBe(200);
    expect(site.requests()).toBe(3);
    await response.body?.cancel();
  });

  it('leaves statuses that are not retryable alone (404), and honours an explicit status list', async () => {
    const site = await serve([status(404), status(404), status(200)]);
    servers.push(site.server);
    const policy = new RetryPolicy({ delays: [5], retryOnResult: retryOnResponse() });
    const missing = await policy.execute(() => fetch(site.url));
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
    const listed = new RetryPolicy({ delays: [5], retryOnResult: retryOnResponse({ statuses: [404] }) });
    const found = await listed.execute(() => fetch(site.url));
    expect(found.status).toBe(200);
    expect(site.requests()).toBe(3);
    await found.body?.cancel();
  });
});

describe('RetryPolicy retryOnResult (fake time)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a Retry-After longer than maxRetryAfter ends the retries with that response', async () => {
    const giveUps: unknown[] = [];
    const policy = new RetryPolicy({ retryOnResult: retryOnResponse(), maxRetryAfter: 1000 });
    policy.on('retry:give-up', (info) => giveUps.push(info));
    const tooLong = new Response('slow down', { status: 429, headers: { 'retry-after': '120' } });
    const fn = vi.fn(() => tooLong);
    await expect(policy.execute(fn)).resolves.toBe(tooLong);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(giveUps).toEqual([expect.objectContaining({ reason: 'retry-after-too-long' })]);
  });

  it('a thrown error after rejected results still fails with RetriesExhaustedError', async () => {
    const answers: Array<() => unknown> = [
      () => ({ status: 'busy' }),
      () => {
        throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      },
    ];
    let call = 0;
    const policy = new RetryPolicy({
      retries: 1,
      delays: [10],
      retryOnResult: (result) => (result as { status?: string }).status === 'busy',
    });
    const { result } = observe(policy.execute(() => answers[call++]!()));
    await vi.advanceTimersByTimeAsync(20);
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.attempts.map((a) => a.error instanceof RetryableResultError)).toEqual([true, false]);
  });

  it('decide() sees the rejected result; skip resolves with it at once', async () => {
    const busy = { state: 'busy' as const };
    const seen: unknown[] = [];
    const policy = new RetryPolicy({
      retryOnResult: (result) => result === busy,
      decide: (info) => {
        seen.push((info.error as RetryableResultError).result);
        return 'skip';
      },
    });
    await expect(policy.execute(() => busy)).resolves.toBe(busy);
    expect(seen).toEqual([busy]);
  });

  it('discards every replaced result, never the one it returns; a verdict object sets the wait', async () => {
    const discarded: number[] = [];
    let call = 0;
    const policy = new RetryPolicy({
      retries: 2,
      delays: [1000],
      retryOnResult: (result) => ({ retryAfterMs: 50, discard: () => discarded.push(result as number) }),
    });
    const delays: number[] = [];
    policy.on('retry', (info) => delays.push(info.delayMs));
    const { result } = observe(policy.execute(async () => ++call));
    await vi.advanceTimersByTimeAsync(100);
    expect(await result).toEqual({ ok: true, value: 3 });
    expect(discarded).toEqual([1, 2]);
    expect(delays).toEqual([50, 50]);
  });

  it('accepts results the judge lets through and rejects a judge that is not a function', async () => {
    const policy = new RetryPolicy({ retryOnResult: () => false });
    await expect(policy.execute(() => 'fine')).resolves.toBe('fine');
    expect(() => new RetryPolicy({ retryOnResult: 'yes' as never })).toThrow(ConfigurationError);
  });

  it('an abort while waiting rejects as cancelled, not with the result', async () => {
    const controller = new AbortController();
    const policy = new RetryPolicy({ delays: [1000], retryOnResult: () => true });
    const { result } = observe(policy.execute(() => 'busy', { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: { category?: string } }).error.category).toBe('cancelled');
  });
});
