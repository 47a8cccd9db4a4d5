import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { RedirectError } from '../../src/errors/RedirectError.js';
import { expectExactOrAbsent, expectNoTempBeside, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';

const content = makeContent(2 * 1024 * 1024 + 5, 9);
const digest = sha256(content);
// Large enough for direct writes (≥ 32 MiB) and for the block pool to run dry many times.
const big = makeContent(40 * 1024 * 1024 + 333, 10);
const bigDigest = sha256(big);

let root: string;
let cleanup: () => Promise<void>;
let cert: Buffer;
let key: Buffer;
let server: https.Server;
let serverUrl: string;
let proxy: http.Server;
let proxyUrl: string;
const connects: string[] = [];
const plainRequests: string[] = [];
let plain: http.Server;

function listen(s: net.Server): Promise<number> {
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)),
  );
}

beforeAll(async () => {
  ({ root, cleanup } = await tempRoot());
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(root, 'key.pem'),
      '-out',
      path.join(root, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = await readFile(path.join(root, 'cert.pem'));
  key = await readFile(path.join(root, 'key.pem'));
  plain = http.createServer((req, res) => {
    plainRequests.push(req.url ?? '');
    res.end('plain');
  });
  const plainPort = await listen(plain);
  server = https.createServer({ cert, key }, (req, res) => {
    if (req.url === '/downgrade') {
      res.writeHead(302, { location: `http://127.0.0.1:${plainPort}/file.bin` }).end();
      return;
    }
    const body = req.url === '/big.bin' || req.url === '/ranges.bin' ? big : content;
    const range = req.url === '/ranges.bin' ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
    if (range) {
      // Ranges only on this path, for the segmented downloads.
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      res.writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'accept-ranges': 'bytes',
        etag: '"x"',
      });
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-length': body.length, etag: '"x"' });
    res.end(body);
  });
  serverUrl = `https://127.0.0.1:${await listen(server)}`;
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client, head) => {
    connects.push(`${req.url} ${req.headers['proxy-authorization'] ?? ''}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  proxyUrl = `http://bob:secret@127.0.0.1:${await listen(proxy)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  proxy.closeAllConnections();
  plain.closeAllConnections();
  await Promise.all([server, proxy, plain].map((s) => new Promise((resolve) => s.close(resolve))));
  await cleanup();
});

describe('Downloader over https', () => {
  it('tunnels https through an HTTP proxy with CONNECT (proxy credentials sent to the proxy only)', async () => {
    const downloader = new Downloader({ proxy: { https: proxyUrl }, tls: { ca: cert }, breaker: false });
    try {
      const dest = path.join(root, 'm', 'tunnelled.bin');
      const result = await downloader.download({
        urls: [`${serverUrl}/file.bin`],
        dest,
        size: content.length,
        sha256: digest,
        root,
      });
      expect(result.sha256).toBe(digest);
      expect(connects).toHaveLength(1);
      expect(connects[0]).toBe(
        `${new URL(serverUrl).host} Basic ${Buffer.from('bob:secret').toString('base64')}`,
      );
      expect(await expectExactOrAbsent(dest, content)).toBe('exact');
      await expectNoTempBeside(dest);
    } finally {
      downloader.close();
    }
  });

  // TLS hands decrypted records to the reader even after it asked to pause (the records of one
  // socket read are decrypted in one go): nothing may be lost or overwritten while the pool is dry.
  it.each([
    ['direct', { blockSize: 64 * 1024 }],
    ['direct, O_DIRECT blocks', {}],
    ['through a CONNECT tunnel', { blockSize: 64 * 1024, tunnel: true }],
  ] as const)('downloads 40 MiB exactly over https (%s)', async (name, variant) => {
    const downloader = new Downloader({
      proxy: 'tunnel' in variant ? { https: proxyUrl } : false,
      tls: { ca: cert },
      breaker: false,
      ...('blockSize' in variant ? { blockSize: variant.blockSize } : {}),
    });
    try {
      const dest = path.join(root, 'big', `${name.replace(/\W+/g, '-')}.bin`);
      const result = await downloader.download({
        urls: [`${serverUrl}/big.bin`],
        dest,
        size: big.length,
        sha256: bigDigest,
      });
      expect(result.sha256).toBe(bigDigest);
      expect(result.attempts).toBe(1);
      expect(await expectExactOrAbsent(dest, big)).toBe('exact');
    } finally {
      downloader.close();
    }
  });

  // Several TLS connections at once, each handing over records while its sink waits for memory.
  it.each([
    ['direct', false],
    ['through a CONNECT tunnel', true],
  ] as const)('downloads 40 MiB in segments over https exactly (%s)', async (name, tunnel) => {
    const downloader = new Downloader({
      proxy: tunnel ? { https: proxyUrl } : false,
      tls: { ca: cert },
      breaker: false,
      blockSize: 64 * 1024,
      chunkSize: 1024 * 1024,
      segmentMinSize: 1024 * 1024,
    });
    let most = 0;
    try {
      const dest = path.join(root, 'segments', `${name.replace(/\W+/g, '-')}.bin`);
      const result = await downloader.download(
        { urls: [`${serverUrl}/ranges.bin`], dest, size: big.length, sha256: bigDigest },
        { onProgress: (p) => (most = Math.max(most, p.connections)) },
      );
      expect(result.sha256).toBe(bigDigest);
      expect(most).toBeGreaterThan(1);
      expect(await expectExactOrAbsent(dest, big)).toBe('exact');
    } finally {
      downloader.close();
    }
  });

  it('refuses a redirect from https to plain http', async () => {
    const downloader = new Downloader({ proxy: false, tls: { ca: cert }, breaker: false });
    try {
      const dest = path.join(root, 'm', 'downgrade.bin');
      const error = await downloader
        .download({ urls: [`${serverUrl}/downgrade`], dest, root })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedirectError);
      expect(plainRequests).toHaveLength(0);
      expect(await expectExactOrAbsent(dest, content)).toBe('absent');
    } finally {
      downloader.close();
    }
  });
});
