/**
 * A strict per-connection rate cap for the benchmarks: a TCP proxy on loopback that forwards to
 * `target` and sends each accepted connection's downstream bytes at most `bytesPerSecond`, whatever
 * requests it carries. nginx's `limit_rate` is per request and grants each request about a second
 * of credit at its start, so clients that make many short requests get more than the cap; a CDN that
 * shapes connections does not do that.
 */
import net from 'node:net';

export interface Shaper {
  readonly port: number;
  close(): Promise<void>;
}

export async function startShaper(target: number, bytesPerSecond: number): Promise<Shaper> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
    client.pipe(upstream);
    // Token bucket of this connection: a burst of 64 KiB, then `bytesPerSecond`.
    const burst = 64 * 1024;
    let tokens = burst;
    let last = performance.now();
    upstream.on('data', (chunk: Buffer) => {
      const now = performance.now();
      tokens = Math.min(burst, tokens + ((now - last) * bytesPerSecond) / 1000);
      last = now;
      tokens -= chunk.length;
      const flowing = client.write(chunk);
      if (tokens >= 0 && flowing) return;
      upstream.pause();
      const wait = tokens < 0 ? (-tokens * 1000) / bytesPerSecond : 0;
      setTimeout(() => {
        if (client.writableNeedDrain) client.once('drain', () => upstream.resume());
        else upstream.resume();
      }, wait);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
