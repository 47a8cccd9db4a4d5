import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/downloads/Downloader.js';
import { classifyError } from '../../src/errors/classify.js';
import { expectExactOrAbsent, tempRoot } from '../support/download-helpers.js';
import { makeContent, sha256 } from '../support/download-server.js';

const content = makeContent(256 * 1024 + 7, 12);

let root: string;
let cleanup: () => Promise<void>;
let caCert: Buffer;
let server: https.Server;
let serverPort: number;
const serverNames: (string | undefined)[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: root });
}

function listen(s: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port)));
}

/** A raw "proxy" on loopback that answers CONNECT with `answer` (bytes, or a socket action). */
async function rawProxy(
  answer: (socket: net.Socket) => void,
): Promise<{ url: string; connects: () => number; close(): Promise<void> }> {
  let connects = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      connects += 1;
      answer(socket);
    });
  });
  const port = await listen(proxy);
  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => connects,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

beforeAll(async () => {
  ({ root, cleanup } = await tempRoot('wan-connect-'));
  // A private CA and a leaf for the host name "localhost", signed by it.
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
  ]);
  await writeFile(path.join(root, 'ext.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
    '-out',
    'leaf.pem',
  ]);
  caCert = await readFile(path.join(root, 'ca.pem'));
  const cert = await readFile(path.join(root, 'leaf.pem'));
  const key = await readFile(path.join(root, 'leaf.key'));
  server = https.createServer({ cert, key }, (_req, res) => {
    res.writeHead(200, { 'content-length': content.length }).end(content);
  });
  server.on('secureConnection', (socket) =>
    serverNames.push((socket as unknown as { servername?: string }).servername),
  );
  // "localhost" may resolve to ::1 or 127.0.0.1: listen on both loopback addresses.
  serverPort = await listen(server, '::');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

describe('TLS to a host name with a private CA', () => {
  it('sends SNI and trusts the CA given in tls.ca', async () => {
    const downloader = new Downloader({ proxy: false, tls: { ca: caCert }, breaker: false });
    try {
      const dest = path.join(root, 'sni.bin');
      const result = await downloader.download({
        urls: [`https://localhost:${serverPort}/f.bin`],
        dest,
        sha256: sha256(content),
      });
      expect(result.bytes).toBe(content.length);
      expect(serverNames.at(-1)).toBe('localhost');
    } finally {
      downloader.close();
    }
  });

  it('without the CA the certificate is refused: a network error that is not retried, nothing placed', async () => {
    const downloader = new Downloader({ proxy: false, breaker: false, retry: { delays: [1, 1, 1] } });
    try {
      const dest = path.join(root, 'untrusted.bin');
      const before = serverNames.length;
      const error = await downloader
        .download({ urls: [`https://localhost:${serverPort}/f.bin`], dest })
        .catch((e: unknown) => e);
      const classification = classifyError(error);
      expect(classification.category).toBe('network');
      expect(classification.retryable).toBe(false);
      expect(classification.remediation.join(' ')).toMatch(/certificate|TLS|CA/i);
      // One handshake: a certificate that does not verify is not retried.
      expect(serverNames.length - before).toBeLessThanOrEqual(1);
      expect(await expectExactOrAbsent(dest, content)).toBe('absent');
    } finally {
      downloader.close();
    }
  });
});

describe('CONNECT tunnels that fail', () => {
  const target = () => `https://localhost:${serverPort}/f.bin`;

  it.each([
    [
      'a 407 answer',
      (s: net.Socket) => s.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'),
      /407|proxy/i,
    ],
    [
      'a 502 answer',
      (s: net.Socket) => s.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'),
      /502/,
    ],
    ['a close before any answer', (s: net.Socket) => s.end(), /closed the connection during CONNECT/],
    [
      'an answer that never ends its head',
      (s: net.Socket) => s.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`),
      /oversized/,
    ],
    [
      'bytes after the 200 answer',
      (s: net.Socket) => s.write('HTTP/1.1 200 Connection Established\r\n\r\nGARBAGE'),
      /sent data after its CONNECT answer/,
    ],
  ] as const)(
    '%s fails the mirror with a clear error, bounded retries, nothing placed',
    async (_name, answer, message) => {
      const proxy = await rawProxy(answer);
      const downloader = new Downloader({
        proxy: { https: proxy.url },
        tls: { ca: caCert },
        breaker: false,
        retry: { retries: 2, delays: [1, 1] },
      });
      try {
        const dest = path.join(root, `connect-${proxy.url.split(':').at(-1)}.bin`);
        const error = (await downloader
          .download({ urls: [target()], dest })
          .catch((e: unknown) => e)) as Error;
        const texts = [error.message, String((error as { cause?: unknown }).cause ?? '')].join(' ');
        expect(texts).toMatch(message);
        expect(proxy.connects()).toBeGreaterThanOrEqual(1);
        expect(proxy.connects()).toBeLessThanOrEqual(3);
        expect(await expectExactOrAbsent(dest, content)).toBe('absent');
      } finally {
        downloader.close();
        await proxy.close();
      }
    },
  );
});
