/**
 * Download benchmark (not a test): a 1 GiB file served by nginx on loopback (`sendfile on`, its
 * own config in a temp dir), fetched by the Downloader (download + sha256 + fsync + rename) and by
 * stock tools in the same run:
 *   - `openssl dgst -sha256 <file>` (the SHA-256 limit; no network, no write)
 *   - `curl | tee <file> | openssl dgst -sha256` (the best pipeline of stock tools)
 *   - `aria2c --checksum=sha-256=<hex>`
 *   - `curl -o /dev/null` (the network floor)
 *   - over https (nginx with a throw-away self-signed certificate): curl, aria2c and the Downloader
 * plus: peak RSS of the Downloader process, several files at once vs one, and bytes served while
 * resuming a body cut at every 25 %.
 *
 * Run: npx tsx bench/download.ts        (BENCH_MB=1024, BENCH_RUNS=3; temp files under /tmp, removed)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startFileServer } from '../test/support/download-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sizeMiB = Number(process.env.BENCH_MB ?? 1024);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const SIZE = sizeMiB * 1024 * 1024;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * Writes back every dirty page first (not timed): a tool that leaves 1 GiB dirty without fsync
 * would otherwise bill its writeback to the next tool that does fsync (the Downloader).
 */
function settleDisk(): void {
  spawnSync('sync');
}

function timed(command: string, args: string[]): number {
  settleDisk();
  const started = performance.now();
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1e8,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} failed with ${result.status}: ${result.stdout.slice(-2000)} ${result.stderr.slice(-2000)}`,
    );
  }
  return (performance.now() - started) / 1000;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface ChildReport {
  seconds: number;
  maxRssBytes: number;
  wallSeconds: number;
  timeMaxRssBytes: number | undefined;
  results: { bytesTransferred: number; attempts: number; resumed: boolean }[];
}

/** Runs the bundled child under /usr/bin/time -v; wall time includes process start-up. */
async function runChild(script: string, args: object): Promise<ChildReport> {
  settleDisk();
  const started = performance.now();
  const useTime = process.platform === 'linux';
  const proc = useTime
    ? spawn('/usr/bin/time', ['-v', process.execPath, script, JSON.stringify(args)])
    : spawn(process.execPath, [script, JSON.stringify(args)]);
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  proc.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const status = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (status !== 0) throw new Error(`downloader child failed: ${stdout} ${stderr}`);
  const report = JSON.parse(stdout.trim().split('\n').at(-1) as string) as ChildReport;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { ...report, wallSeconds, timeMaxRssBytes: rss ? Number(rss[1]) * 1024 : undefined };
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join('/tmp', 'wan-bench-download-'));
  // nginx workers run as an unprivileged user: let them read the served file.
  await import('node:fs/promises').then((fs) => fs.chmod(work, 0o755));
  let nginx: ReturnType<typeof spawn> | undefined;
  try {
    // 1. The file (random bytes), its hash, the bundled child.
    const dataDir = path.join(work, 'www');
    await import('node:fs/promises').then((fs) => fs.mkdir(dataDir));
    const file = path.join(dataDir, 'model.bin');
    const handle = await open(file, 'w');
    const block = Buffer.allocUnsafe(64 * 1024 * 1024);
    for (let written = 0; written < SIZE; written += block.length) {
      randomFillSync(block);
      await handle.write(block, 0, Math.min(block.length, SIZE - written));
    }
    await handle.close();
    const child = path.join(work, 'child.mjs');
    await build({
      entryPoints: [path.join(here, 'download-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: child,
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
      logLevel: 'error',
    });

    // 2. nginx with its own config: plain HTTP, and HTTPS with a throw-away self-signed certificate.
    const port = await freePort();
    const tlsPort = await freePort();
    const cert = path.join(work, 'cert.pem');
    const key = path.join(work, 'key.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    );
    const conf = path.join(work, 'nginx.conf');
    await writeFile(
      conf,
      `worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 256; }
http {
  sendfile on;
  tcp_nopush on;
  access_log off;
  client_body_temp_path ${work}/client_body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  types { application/octet-stream bin; }
  server { listen 127.0.0.1:${port}; root ${dataDir}; }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    root ${dataDir};
  }
}
`,
    );
    nginx = spawn('nginx', ['-p', work, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
    for (let i = 0; i < 50; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = `http://127.0.0.1:${port}/model.bin`;
    const tlsUrl = `https://127.0.0.1:${tlsPort}/model.bin`;
    const sha256 = execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' }).split(
      ' ',
    )[0] as string;
    const out = path.join(work, 'out');
    await import('node:fs/promises').then((fs) => fs.mkdir(out));

    // 3. One file: every tool, `runs` times, interleaved.
    const samples: Record<string, number[]> = {
      'openssl dgst -sha256 (file in page cache)': [],
      'curl -o /dev/null (network floor)': [],
      'curl -o file (network + page-cache write, no hash)': [],
      'node:http read only (no hash, no write)': [],
      "Downloader's HTTP/1.1 client read only (no hash, no write)": [],
      'curl | tee file | openssl dgst -sha256': [],
      'aria2c --checksum=sha-256': [],
      'Downloader (process wall time)': [],
      'Downloader (inside the process)': [],
      'https: curl -o /dev/null': [],
      'https: aria2c --checksum=sha-256': [],
      'https: Downloader (process wall time)': [],
    };
    const rss: number[] = [];
    for (let run = 0; run < runs; run++) {
      samples['openssl dgst -sha256 (file in page cache)']?.push(timed('openssl', ['dgst', '-sha256', file]));
      samples['curl -o /dev/null (network floor)']?.push(timed('curl', ['-sf', '-o', '/dev/null', url]));
      const readOnly = await runChild(child, { urls: [url], dests: [], size: SIZE, sha256, readOnly: true });
      samples['node:http read only (no hash, no write)']?.push(readOnly.seconds);
      const clientOnly = await runChild(child, {
        urls: [url],
        dests: [],
        size: SIZE,
        sha256,
        clientReadOnly: true,
      });
      samples["Downloader's HTTP/1.1 client read only (no hash, no write)"]?.push(clientOnly.seconds);
      const curlOut = path.join(out, 'curl.bin');
      samples['curl -o file (network + page-cache write, no hash)']?.push(
        timed('curl', ['-sf', '-o', curlOut, url]),
      );
      await rm(curlOut, { force: true });
      const teeOut = path.join(out, 'tee.bin');
      samples['curl | tee file | openssl dgst -sha256']?.push(
        timed('bash', [
          '-o',
          'pipefail',
          '-c',
          `curl -sf ${url} | tee ${teeOut} | openssl dgst -sha256 > /dev/null`,
        ]),
      );
      await rm(teeOut, { force: true });
      samples['aria2c --checksum=sha-256']?.push(
        timed('aria2c', [
          '--console-log-level=error',
          '--summary-interval=0',
          '--allow-overwrite=true',
          `--checksum=sha-256=${sha256}`,
          '-d',
          out,
          '-o',
          'aria.bin',
          url,
        ]),
      );
      await rm(path.join(out, 'aria.bin'), { force: true });
      const dest = path.join(out, 'models', 'model.bin');
      const report = await runChild(child, { urls: [url], dests: [dest], size: SIZE, sha256 });
      samples['Downloader (process wall time)']?.push(report.wallSeconds);
      samples['Downloader (inside the process)']?.push(report.seconds);
      rss.push(report.timeMaxRssBytes ?? report.maxRssBytes);
      await rm(path.join(out, 'models'), { recursive: true, force: true });
      // The same over TLS (nginx: TLS 1.2/1.3 with AES-GCM; every client trusts the bench's certificate).
      samples['https: curl -o /dev/null']?.push(
        timed('curl', ['-sf', '--cacert', cert, '-o', '/dev/null', tlsUrl]),
      );
      samples['https: aria2c --checksum=sha-256']?.push(
        timed('aria2c', [
          '--console-log-level=error',
          '--summary-interval=0',
          '--allow-overwrite=true',
          `--ca-certificate=${cert}`,
          `--checksum=sha-256=${sha256}`,
          '-d',
          out,
          '-o',
          'aria.bin',
          tlsUrl,
        ]),
      );
      await rm(path.join(out, 'aria.bin'), { force: true });
      const tlsReport = await runChild(child, {
        urls: [tlsUrl],
        dests: [dest],
        size: SIZE,
        sha256,
        ca: cert,
      });
      samples['https: Downloader (process wall time)']?.push(tlsReport.wallSeconds);
      await rm(path.join(out, 'models'), { recursive: true, force: true });
    }
    const openssl = median(samples['openssl dgst -sha256 (file in page cache)'] as number[]);
    const aria = median(samples['aria2c --checksum=sha-256'] as number[]);
    const ours = median(samples['Downloader (process wall time)'] as number[]);
    console.log(`\n## One ${sizeMiB} MiB file from nginx on loopback (median of ${runs})\n`);
    console.log('| what | seconds | vs openssl dgst |');
    console.log('|---|---:|---:|');
    for (const [name, values] of Object.entries(samples)) {
      const m = median(values);
      console.log(`| ${name} | ${m.toFixed(2)} | ${(m / openssl).toFixed(2)}× |`);
    }
    const perRun = (samples['aria2c --checksum=sha-256'] as number[]).map(
      (value, index) => value / ((samples['Downloader (process wall time)'] as number[])[index] as number),
    );
    console.log(
      `\nDownloader vs aria2c: ${(aria / ours).toFixed(2)}× faster (ratio of medians); per run ${perRun.map((r) => r.toFixed(2)).join(', ')}× (median ${median(perRun).toFixed(2)}×)`,
    );
    const tlsAria = median(samples['https: aria2c --checksum=sha-256'] as number[]);
    const tlsOurs = median(samples['https: Downloader (process wall time)'] as number[]);
    console.log(
      `Over https: Downloader vs aria2c ${(tlsAria / tlsOurs).toFixed(2)}× faster (ratio of medians)`,
    );
    console.log(
      `Downloader peak RSS: ${(Math.max(...rss) / 1e6).toFixed(0)} MB (max of ${runs}; /usr/bin/time -v)`,
    );

    // 4. Several files at once (same file under different names, concurrency = count).
    console.log('\n## Several files at once\n');
    console.log('| files | total MiB | seconds | MB/s | vs one file |');
    console.log('|---:|---:|---:|---:|---:|');
    const oneInside = median(samples['Downloader (inside the process)'] as number[]);
    const single = SIZE / oneInside;
    console.log(`| 1 | ${sizeMiB} | ${oneInside.toFixed(2)} | ${(single / 1e6).toFixed(0)} | 1.00× |`);
    for (const count of [2, 4]) {
      const times: number[] = [];
      let peak = 0;
      for (let run = 0; run < Math.max(1, runs - 1); run++) {
        const dests = Array.from({ length: count }, (_, i) => path.join(out, 'many', `m${i}.bin`));
        const report = await runChild(child, { urls: [url], dests, size: SIZE, sha256, concurrency: count });
        times.push(report.seconds);
        peak = Math.max(peak, report.timeMaxRssBytes ?? report.maxRssBytes);
        await rm(path.join(out, 'many'), { recursive: true, force: true });
      }
      const t = median(times);
      const rate = (count * SIZE) / t;
      console.log(
        `| ${count} | ${count * sizeMiB} | ${t.toFixed(2)} | ${(rate / 1e6).toFixed(0)} | ${(rate / single).toFixed(2)}× (peak RSS ${(peak / 1e6).toFixed(0)} MB) |`,
      );
    }

    // 5. Resume: a body cut at every 25 % (loopback node:http server from test/support).
    const content = await readFile(file);
    const quarter = Math.floor(SIZE / 4);
    const cutting = await startFileServer(content, {
      script: [
        { kind: 'cut', after: quarter },
        { kind: 'cut', after: quarter },
        { kind: 'cut', after: quarter },
      ],
    });
    try {
      const dest = path.join(out, 'resume', 'model.bin');
      const report = await runChild(child, { urls: [cutting.url], dests: [dest], size: SIZE, sha256 });
      const served = cutting.bytesServed();
      console.log('\n## Resume after a body cut at every 25 %\n');
      console.log(
        `requests: ${cutting.requests.map((r) => r.range ?? 'GET').join(', ')}; bytes served ${served} for ${SIZE} (${(served / SIZE).toFixed(4)}×); attempts ${report.results[0]?.attempts}; ${report.seconds.toFixed(2)} s`,
      );
    } finally {
      await cutting.close();
    }
    console.log(
      `\n(${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
  } finally {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGQUIT');
      await new Promise((resolve) => nginx?.once('exit', resolve));
    }
    await rm(work, { recursive: true, force: true });
  }
}

await main();
