import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import type { DownloaderOptions } from '../../src/downloads/options.js';
import { isCredentialHeader } from '../../src/downloads/redirects.js';
import { AuthenticationError } from '../../src/errors/AuthenticationError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import type { DownloadEvents } from '../../src/events/downloadEvents.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import {
  type FileServer,
  type FileServerOptions,
  makeContent,
  sha256,
  startFileServer,
} from '../support/download-server.js';

/** Credentials go to the origins they are for: token scope (tokenOrigins) and redirect hops. */

const SIZE = 256 * 1024 + 17;
const content = makeContent(SIZE, 11);
const digest = sha256(content);

let root: string;
let cleanup: () => Promise<void>;
const servers: FileServer[] = [];
const downloaders: Downloader[] = [];

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot('wan-cred-'));
});

afterEach(async () => {
  for (const downloader of downloaders.splice(0)) downloader.close();
  for (const server of servers.splice(0)) await server.close();
  await cleanup();
});

async function serve(options: FileServerOptions = {}): Promise<FileServer> {
  const server = await startFileServer(content, options);
  servers.push(server);
  return server;
}

function make(options: DownloaderOptions = {}): { downloader: Downloader; events: unknown[] } {
  const downloader = new Downloader({ retry: { delays: [10] }, breaker: false, proxy: false, ...options });
  downloaders.push(downloader);
  const events: unknown[] = [];
  const names: (keyof DownloadEvents)[] = [
    'download:retry',
    'download:mirror-failover',
    'download:complete',
    'download:error',
  ];
  for (const name of names) downloader.on(name, (payload: object) => events.push({ name, ...payload }));
  return { downloader, events };
}

const origin = (server: FileServer) => new URL(server.url).origin;
const dest = (name = 'model.bin') => path.join(root, 'model', name);
const authorizations = (server: FileServer) => server.requests.map((r) => r.headers.authorization);

describe('token scope', () => {
  const TOKEN = 'hf_ScopeTestTokenValue0123456789';

  it('default: the token goes to the first mirror, and token(url) is told where', async () => {
    const hub = await serve({ token: TOKEN });
    const asked: URL[] = [];
    const { downloader } = make({
      token: (url) => {
        asked.push(url);
        return TOKEN;
      },
    });
    await downloader.download({ urls: [hub.url], dest: dest(), size: SIZE, sha256: digest, root });
    expect(asked.map((url) => url.href)).toEqual([hub.url]);
    expect(asked[0]).toBeInstanceOf(URL);
    expect(authorizations(hub)).toEqual([undefined, `Bearer ${TOKEN}`]);
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
  });

  it('default: a later mirror answering 401 gets no token and the provider is not asked', async () => {
    const hub = await serve({ fallback: { kind: 'status', status: 404 } });
    const other = await serve({ token: TOKEN });
    let asked = 0;
    const { downloader, events } = make({
      token: () => {
        asked++;
        return TOKEN;
      },
    });
    const error = (await downloader
      .download({ urls: [hub.url, other.url], dest: dest(), size: SIZE, root })
      .catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(origin(other));
    expect(error.message).toMatch(/not in tokenOrigins/);
    expect(error.remediation.join(' ')).toContain(`list '${origin(other)}' in the Downloader's tokenOrigins`);
    expect(error.tokenSent).toBe(false);
    expect(asked).toBe(0);
    expect(authorizations(other).every((value) => value === undefined)).toBe(true);
    // Authentication refusals are permanent: the mirror is not asked again on the second pass.
    expect(other.requests).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it('tokenOrigins: only listed origins get the token, whatever their place in the list', async () => {
    const first = await serve({ token: 'hf_FirstMirrorWantsItsOwnToken99' });
    const hub = await serve({ token: TOKEN });
    const asked: string[] = [];
    const { downloader } = make({
      token: (url) => {
        asked.push(url.origin);
        return TOKEN;
      },
      tokenOrigins: [`${origin(hub)}/some/path?ignored=1`],
    });
    const result = await downloader.download({
      urls: [first.url, hub.url],
      dest: dest(),
      size: SIZE,
      sha256: digest,
      root,
    });
    expect(result.url).toBe(hub.url);
    expect(asked).toEqual([origin(hub)]);
    expect(authorizations(first).every((value) => value === undefined)).toBe(true);
    expect(authorizations(hub)).toEqual([undefined, `Bearer ${TOKEN}`]);
  });

  it('a token that worked for an origin is not sent there by a request it is not in scope for', async () => {
    const hub = await serve({ token: TOKEN });
    const { downloader } = make({ token: () => TOKEN });
    await downloader.download({ urls: [hub.url], dest: dest('a.bin'), size: SIZE, sha256: digest, root });
    expect(authorizations(hub)).toEqual([undefined, `Bearer ${TOKEN}`]);
    // Up front to its origin afterwards, when in scope...
    await downloader.download({ urls: [hub.url], dest: dest('b.bin'), size: SIZE, sha256: digest, root });
    expect(authorizations(hub)[2]).toBe(`Bearer ${TOKEN}`);
    // ...but not when another mirror comes first (default scope).
    const first = await serve({ fallback: { kind: 'status', status: 404 } });
    const error = await downloader
      .download({ urls: [first.url, hub.url], dest: dest('c.bin'), size: SIZE, root })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(
      authorizations(hub)
        .slice(3)
        .every((value) => value === undefined),
    ).toBe(true);
  });

  it('a redirect to another origin that answers 401 never receives the token', async () => {
    const cdn = await serve({ token: TOKEN });
    const hub = await serve({ fallback: { kind: 'redirect', location: cdn.url } });
    const { downloader } = make({ token: () => TOKEN });
    const error = await downloader
      .download({ urls: [hub.url], dest: dest(), size: SIZE, root })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(authorizations(hub)).toContain(`Bearer ${TOKEN}`);
    expect(cdn.requests.length).toBeGreaterThan(0);
    expect(authorizations(cdn).every((value) => value === undefined)).toBe(true);
  });

  it('validates tokenOrigins strictly', () => {
    const bad: unknown[] = [
      'https://huggingface.co',
      [],
      [''],
      ['huggingface.co'],
      ['ftp://mirror.example'],
      [42],
      [null],
      ['https://user:hunter2secret@hub.example'],
    ];
    for (const value of bad) {
      let thrown: unknown;
      try {
        new Downloader({ tokenOrigins: value as never });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(value)).toBeInstanceOf(ConfigurationError);
      expect((thrown as Error).message).not.toContain('hunter2secret');
    }
    const ok = new Downloader({
      tokenOrigins: ['https://HuggingFace.co:443/', new URL('http://127.0.0.1:8080/x?y=1')],
    });
    downloaders.push(ok);
    expect([...(ok.options.tokenOrigins ?? [])]).toEqual(['https://huggingface.co', 'http://127.0.0.1:8080']);
    const unset = new Downloader();
    downloaders.push(unset);
    expect(unset.options.tokenOrigins).toBeUndefined();
  });
});

describe('credential headers on redirects', () => {
  const SECRET_HEADERS = {
    Authorization: 'Bearer hf_HeaderAuthSecret0123456789',
    Cookie: 'session=cookie-secret-value',
    'X-Api-Key': 'api-key-secret-value-1',
    'X-HF-Token': 'hf_token-header-secret-2',
    'Private-Token': 'glpat-private-token-secret-3',
    'X-Session-Id': 'session-id-secret-4',
    'X-Upload-Signature': 'signature-secret-5',
    'X-Client-Credential': 'credential-secret-6',
    'X-Password': 'password-secret-7',
  };
  const PLAIN_HEADERS = { 'X-Request-Id': 'req-1', 'Accept-Language': 'en' };

  it('are dropped when a redirect changes the port, and stay dropped when it comes back', async () => {
    const first = await serve();
    const second = await serve({ fallback: { kind: 'redirect', location: `${first.url}?back=1` } });
    first.script.push({ kind: 'redirect', location: second.url });
    const { downloader } = make({ headers: { ...SECRET_HEADERS, ...PLAIN_HEADERS } });
    await downloader.download({ urls: [first.url], dest: dest(), size: SIZE, sha256: digest, root });

    const seen = [first.requests[0], second.requests[0], first.requests[1]].map((r) => r?.headers ?? {});
    expect(seen.map((h) => h['x-request-id'])).toEqual(['req-1', 'req-1', 'req-1']);
    expect(seen.map((h) => h['accept-language'])).toEqual(['en', 'en', 'en']);
    for (const [name, value] of Object.entries(SECRET_HEADERS)) {
      expect(seen[0]?.[name.toLowerCase()], `${name} on the first hop`).toBe(value);
      expect(seen[1]?.[name.toLowerCase()], `${name} on the other port`).toBeUndefined();
      expect(seen[2]?.[name.toLowerCase()], `${name} back on the first origin`).toBeUndefined();
    }
    expect(await expectExactOrAbsent(dest(), content)).toBe('exact');
  });

  it('isCredentialHeader: names the redactor treats as secret, and the usual credential names', () => {
    for (const name of [
      'Authorization',
      'proxy-authorization',
      'COOKIE',
      'X-Api-Key',
      'apikey',
      'X-HF-Token',
      'Private-Token',
      'X-Amz-Security-Token',
      'X-Auth-User',
      'X-Secret',
      'X-Session',
      'X-Password',
      'X-Credential',
      'X-Signature',
      'X-Goog-Api-Key',
    ]) {
      expect(isCredentialHeader(name), name).toBe(true);
    }
    for (const name of [
      'Accept',
      'Range',
      'If-Range',
      'Accept-Encoding',
      'User-Agent',
      'X-Request-Id',
      'Host',
    ]) {
      expect(isCredentialHeader(name), name).toBe(false);
    }
  });
});
