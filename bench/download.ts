/**
 * Download benchmark (not a test). nginx on loopback (`sendfile on`, its own config in a temp dir)
 * serves random files; the Downloader (download + sha256 + fsync + rename, in a bundled child
 * process) runs against stock tools in the same run, interleaved. Sections (`BENCH_SECTIONS`,
 * comma-separated, default all):
 *   - `uncapped`: one BENCH_MB file (1 GiB): `openssl dgst`, curl, `curl | tee | openssl`, aria2c,
 *     the Downloader with one connection and with the defaults, the same over https; peak RSS
 *   - `several`: 2 and 4 files at once vs one
 *   - `resume`: bytes served while resuming a body cut at every 25 %
 *   - `capped`: nginx `limit_rate 8m` (8 MiB/s per request), a BENCH_CAPPED_MB file (256 MiB): the
 *     Downloader (defaults: segmented) vs `aria2c -x8 -s8 -k1M --checksum` (plus the Downloader with
 *     one connection once, with BENCH_CAPPED_SINGLE=1); then the same two through a strict 8 MiB/s
 *     per-connection shaper in front of nginx (nginx's limit is per request, with a second of credit
 *     at each request's start, which favours clients making many requests)
 *   - `kill`: kill -9 three times during a segmented download on the capped server, then finish:
 *     bytes nginx served for the file (its access log) over the file's size
 *
 * Run: npx tsx bench/download.ts        (BENCH_MB=1024, BENCH_CAPPED_MB=256, BENCH_RUNS=3)
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFileServer } from '../test/support/download-server.js';
import { freePort } from '../test/support/port.js';
import { startShaper } from './support/shaper.js';
import {
  bundle,
  median,
  type Nginx,
  runChild,
  startNginx,
  timed,
  timedAsync,
  writeRandomFile,
} from './support/tools.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// The bundled child lives in a temp folder; the dependencies the package loads on first use
// (docs/bundling.md, "What loads when") come from the repository's node_modules, as they would
// from an installer's own.
process.env.NODE_PATH = path.resolve(here, '../node_modules');
const sizeMiB = Number(process.env.BENCH_MB ?? 1024);
const cappedMiB = Number(process.env.BENCH_CAPPED_MB ?? 256);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const sections = new Set((process.env.BENCH_SECTIONS ?? 'uncapped,several,resume,capped,kill').split(','));
const SIZE = sizeMiB * 1024 * 1024;
const CAPPED_SIZE = cappedMiB * 1024 * 1024;

const sha256Of = (file: string): string =>
  execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' }).split(' ')[0] as string;

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** What every section works with. */
interface Bench {
  readonly work: string;
  readonly out: string;
  readonly child: string;
  readonly file: string;
  readonly sha256: string;
  readonly url: string;
  readonly tlsUrl: string;
  readonly cert: string;
  readonly cappedFile: string;
  readonly cappedSha256: string;
  readonly cappedUrl: string;
  /** Port of the plain (uncapped) nginx server, for the shaper. */
  readonly uncappedPort: number;
  readonly accessLog: string;
}

function ariaArgs(args: string[], out: string): string[] {
  return [
    '--console-log-level=error',
    '--summary-interval=0',
    '--allow-overwrite=true',
    '-d',
    out,
    '-o',
    'aria.bin',
    ...args,
  ];
}

function aria(args: string[], out: string): number {
  return timed('aria2c', ariaArgs(args, out));
}

async function uncapped(b: Bench): Promise<number> {
  const samples: Record<string, number[]> = {
    'openssl dgst -sha256 (file in page cache)': [],
    'curl -o /dev/null (network floor)': [],
    'curl -o file (network + page-cache write, no hash)': [],
    'node:http read only (no hash, no write)': [],
    "Downloader's HTTP/1.1 client read only (no hash, no write)": [],
    'curl | tee file | openssl dgst -sha256': [],
    'aria2c --checksum=sha-256': [],
    'Downloader connectionsPerFile 1 (process wall time)': [],
    'Downloader (process wall time)': [],
    'Downloader (inside the process)': [],
    'https: curl -o /dev/null': [],
    'https: aria2c --checksum=sha-256': [],
    'https: Downloader (process wall time)': [],
  };
  const push = (name: string, value: number) => samples[name]?.push(value);
  const rss: number[] = [];
  const dest = path.join(b.out, 'models', 'model.bin');
  const { url, sha256, out } = b;
  for (let run = 0; run < runs; run++) {
    push('openssl dgst -sha256 (file in page cache)', timed('openssl', ['dgst', '-sha256', b.file]));
    push('curl -o /dev/null (network floor)', timed('curl', ['-sf', '-o', '/dev/null', url]));
    const readOnly = await runChild(b.child, { urls: [url], dests: [], size: SIZE, sha256, readOnly: true });
    push('node:http read only (no hash, no write)', readOnly.seconds);
    const clientOnly = await runChild(b.child, {
      urls: [url],
      dests: [],
      size: SIZE,
      sha256,
      clientReadOnly: true,
    });
    push("Downloader's HTTP/1.1 client read only (no hash, no write)", clientOnly.seconds);
    const curlOut = path.join(out, 'curl.bin');
    push('curl -o file (network + page-cache write, no hash)', timed('curl', ['-sf', '-o', curlOut, url]));
    await rm(curlOut, { force: true });
    const teeOut = path.join(out, 'tee.bin');
    push(
      'curl | tee file | openssl dgst -sha256',
      timed('bash', [
        '-o',
        'pipefail',
        '-c',
        `curl -sf ${url} | tee ${teeOut} | openssl dgst -sha256 > /dev/null`,
      ]),
    );
    await rm(teeOut, { force: true });
    push('aria2c --checksum=sha-256', aria([`--checksum=sha-256=${sha256}`, url], out));
    await rm(path.join(out, 'aria.bin'), { force: true });
    const single = await runChild(b.child, {
      urls: [url],
      dests: [dest],
      size: SIZE,
      sha256,
      connectionsPerFile: 1,
    });
    push('Downloader connectionsPerFile 1 (process wall time)', single.wallSeconds);
    await rm(path.join(out, 'models'), { recursive: true, force: true });
    const report = await runChild(b.child, { urls: [url], dests: [dest], size: SIZE, sha256 });
    push('Downloader (process wall time)', report.wallSeconds);
    push('Downloader (inside the process)', report.seconds);
    rss.push(report.timeMaxRssBytes ?? report.maxRssBytes);
    await rm(path.join(out, 'models'), { recursive: true, force: true });
    // The same over TLS (nginx: TLS 1.2/1.3 with AES-GCM; every client trusts the bench's certificate).
    push('https: curl -o /dev/null', timed('curl', ['-sf', '--cacert', b.cert, '-o', '/dev/null', b.tlsUrl]));
    push(
      'https: aria2c --checksum=sha-256',
      aria([`--ca-certificate=${b.cert}`, `--checksum=sha-256=${sha256}`, b.tlsUrl], out),
    );
    await rm(path.join(out, 'aria.bin'), { force: true });
    const tlsReport = await runChild(b.child, {
      urls: [b.tlsUrl],
      dests: [dest],
      size: SIZE,
      sha256,
      ca: b.cert,
    });
    push('https: Downloader (process wall time)', tlsReport.wallSeconds);
    await rm(path.join(out, 'models'), { recursive: true, force: true });
  }
  const openssl = median(samples['openssl dgst -sha256 (file in page cache)'] as number[]);
  const ariaSeconds = median(samples['aria2c --checksum=sha-256'] as number[]);
  const ours = median(samples['Downloader (process wall time)'] as number[]);
  const oneConnection = median(samples['Downloader connectionsPerFile 1 (process wall time)'] as number[]);
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
    `\nDownloader vs aria2c: ${(ariaSeconds / ours).toFixed(2)}× faster (ratio of medians); per run ${perRun.map((r) => r.toFixed(2)).join(', ')}× (median ${median(perRun).toFixed(2)}×)`,
  );
  console.log(
    `Downloader defaults vs connectionsPerFile 1: ${(ours / oneConnection).toFixed(2)}× the time (ratio of medians)`,
  );
  const tlsAria = median(samples['https: aria2c --checksum=sha-256'] as number[]);
  const tlsOurs = median(samples['https: Downloader (process wall time)'] as number[]);
  console.log(
    `Over https: Downloader vs aria2c ${(tlsAria / tlsOurs).toFixed(2)}× faster (ratio of medians)`,
  );
  console.log(
    `Downloader peak RSS: ${(Math.max(...rss) / 1e6).toFixed(0)} MB (max of ${runs}; /usr/bin/time -v)`,
  );
  return median(samples['Downloader (inside the process)'] as number[]);
}

async function several(b: Bench, oneInside: number | undefined): Promise<void> {
  console.log('\n## Several files at once\n');
  console.log('| files | total MiB | seconds | MB/s | vs one file |');
  console.log('|---:|---:|---:|---:|---:|');
  const dests = (count: number) =>
    Array.from({ length: count }, (_, i) => path.join(b.out, 'many', `m${i}.bin`));
  let one = oneInside;
  if (one === undefined) {
    one = (await runChild(b.child, { urls: [b.url], dests: dests(1), size: SIZE, sha256: b.sha256 })).seconds;
    await rm(path.join(b.out, 'many'), { recursive: true, force: true });
  }
  const single = SIZE / one;
  console.log(`| 1 | ${sizeMiB} | ${one.toFixed(2)} | ${(single / 1e6).toFixed(0)} | 1.00× |`);
  for (const count of [2, 4]) {
    // Interleaved: the defaults (segmented) and one connection per file.
    const times: Record<string, number[]> = { defaults: [], 'connectionsPerFile 1': [] };
    const peaks: Record<string, number> = { defaults: 0, 'connectionsPerFile 1': 0 };
    for (let run = 0; run < Math.max(1, runs - 1); run++) {
      for (const [name, extra] of [
        ['defaults', {}],
        ['connectionsPerFile 1', { connectionsPerFile: 1 }],
      ] as const) {
        const report = await runChild(b.child, {
          urls: [b.url],
          dests: dests(count),
          size: SIZE,
          sha256: b.sha256,
          concurrency: count,
          ...extra,
        });
        times[name]?.push(report.seconds);
        peaks[name] = Math.max(peaks[name] ?? 0, report.timeMaxRssBytes ?? report.maxRssBytes);
        await rm(path.join(b.out, 'many'), { recursive: true, force: true });
      }
    }
    for (const name of Object.keys(times)) {
      const t = median(times[name] as number[]);
      const rate = (count * SIZE) / t;
      console.log(
        `| ${count} (${name}) | ${count * sizeMiB} | ${t.toFixed(2)} | ${(rate / 1e6).toFixed(0)} | ${(rate / single).toFixed(2)}× (peak RSS ${((peaks[name] ?? 0) / 1e6).toFixed(0)} MB) |`,
      );
    }
  }
}

async function resume(b: Bench): Promise<void> {
  // A body cut at every 25 % (loopback node:http server from test/support), one connection.
  const content = await readFile(b.file);
  const quarter = Math.floor(SIZE / 4);
  const cutting = await startFileServer(content, {
    script: [
      { kind: 'cut', after: quarter },
      { kind: 'cut', after: quarter },
      { kind: 'cut', after: quarter },
    ],
  });
  try {
    const dest = path.join(b.out, 'resume', 'model.bin');
    const report = await runChild(b.child, {
      urls: [cutting.url],
      dests: [dest],
      size: SIZE,
      sha256: b.sha256,
      connectionsPerFile: 1,
    });
    const served = cutting.bytesServed();
    console.log('\n## Resume after a body cut at every 25 % (one connection)\n');
    console.log(
      `requests: ${cutting.requests.map((r) => r.range ?? 'GET').join(', ')}; bytes served ${served} for ${SIZE} (${(served / SIZE).toFixed(4)}×); attempts ${report.results[0]?.attempts}; ${report.seconds.toFixed(2)} s`,
    );
    await rm(path.join(b.out, 'resume'), { recursive: true, force: true });
  } finally {
    await cutting.close();
  }
}

async function cappedRuns(b: Bench, url: string, title: string, single: boolean): Promise<void> {
  const samples: Record<string, number[]> = {
    'aria2c -x8 -s8 -k1M --checksum=sha-256': [],
    'Downloader (defaults: segmented; process wall time)': [],
  };
  const rss: number[] = [];
  const dest = path.join(b.out, 'capped', 'model.bin');
  const args = { urls: [url], dests: [dest], size: CAPPED_SIZE, sha256: b.cappedSha256 };
  for (let run = 0; run < runs; run++) {
    samples['aria2c -x8 -s8 -k1M --checksum=sha-256']?.push(
      await timedAsync(
        'aria2c',
        ariaArgs(['-x8', '-s8', '-k1M', `--checksum=sha-256=${b.cappedSha256}`, url], b.out),
      ),
    );
    await rm(path.join(b.out, 'aria.bin'), { force: true });
    const report = await runChild(b.child, args);
    samples['Downloader (defaults: segmented; process wall time)']?.push(report.wallSeconds);
    rss.push(report.timeMaxRssBytes ?? report.maxRssBytes);
    await rm(path.join(b.out, 'capped'), { recursive: true, force: true });
  }
  if (single) {
    const once = await runChild(b.child, { ...args, connectionsPerFile: 1 });
    samples['Downloader connectionsPerFile 1 (once)'] = [once.wallSeconds];
    await rm(path.join(b.out, 'capped'), { recursive: true, force: true });
  }
  console.log(`\n## ${cappedMiB} MiB, ${title} (median of ${runs})\n`);
  console.log('| what | seconds | MB/s |');
  console.log('|---|---:|---:|');
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`| ${name} | ${m.toFixed(2)} | ${(CAPPED_SIZE / m / 1e6).toFixed(1)} |`);
  }
  const ariaRuns = samples['aria2c -x8 -s8 -k1M --checksum=sha-256'] as number[];
  const ours = samples['Downloader (defaults: segmented; process wall time)'] as number[];
  const perRun = ariaRuns.map((value, index) => value / (ours[index] as number));
  console.log(
    `\nDownloader vs aria2c -x8: ${(median(ariaRuns) / median(ours)).toFixed(2)}× faster (ratio of medians); per run ${perRun.map((r) => r.toFixed(2)).join(', ')}×`,
  );
  console.log(`Downloader peak RSS: ${(Math.max(...rss) / 1e6).toFixed(0)} MB (max of ${runs})`);
}

async function capped(b: Bench): Promise<void> {
  await cappedRuns(b, b.cappedUrl, 'nginx with limit_rate 8m', process.env.BENCH_CAPPED_SINGLE === '1');
  // The shaper caps connections; nginx behind it serves this file without its own limit.
  const shaper = await startShaper(b.uncappedPort, 8 * 1024 * 1024);
  try {
    await cappedRuns(
      b,
      `http://127.0.0.1:${shaper.port}/capped.bin`,
      'strict 8 MiB/s per connection (shaper in front of nginx)',
      false,
    );
  } finally {
    await shaper.close();
  }
}

/** Bytes nginx logged as sent for `uri` (access log format `$request_uri $status $body_bytes_sent`). */
async function servedFor(log: string, uri: string): Promise<number> {
  const text = await readFile(log, 'utf8').catch(() => '');
  let sum = 0;
  for (const line of text.split('\n')) {
    const [requestUri, , bytes] = line.split(' ');
    if (requestUri === uri) sum += Number(bytes);
  }
  return sum;
}

async function kill(b: Bench): Promise<void> {
  const dest = path.join(b.out, 'killed', 'model.bin');
  const uri = new URL(b.cappedUrl).pathname;
  const before = await servedFor(b.accessLog, uri);
  const args = JSON.stringify({
    urls: [b.cappedUrl],
    dests: [dest],
    size: CAPPED_SIZE,
    sha256: b.cappedSha256,
    progress: true,
  });
  const kills: string[] = [];
  for (const share of [0.25, 0.5, 0.75]) {
    const child = spawn(process.execPath, [b.child, args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (data: Buffer) => {
        buffered += data.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const bytes = (JSON.parse(line) as { progress?: number }).progress ?? 0;
          if (bytes >= share * CAPPED_SIZE && child.exitCode === null) {
            child.kill('SIGKILL');
            kills.push(`${((bytes / CAPPED_SIZE) * 100).toFixed(0)} %`);
          }
        }
      });
      child.on('exit', () => resolve());
    });
  }
  const report = await runChild(b.child, {
    urls: [b.cappedUrl],
    dests: [dest],
    size: CAPPED_SIZE,
    sha256: b.cappedSha256,
  });
  // nginx logs a request when it ends; give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const served = (await servedFor(b.accessLog, uri)) - before;
  console.log('\n## kill -9 three times during a segmented download, then finish\n');
  console.log(
    `killed at ${kills.join(', ')} of the file; last run ${report.wallSeconds.toFixed(2)} s, resumed ${report.results[0]?.resumed}, its bytes received ${report.results[0]?.bytesTransferred}; bytes served in all ${served} for ${CAPPED_SIZE} (${(served / CAPPED_SIZE).toFixed(4)}×)`,
  );
  await rm(path.join(b.out, 'killed'), { recursive: true, force: true });
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join('/tmp', 'wan-bench-download-'));
  // nginx workers run as an unprivileged user: let them read the served files.
  await chmod(work, 0o755);
  let nginx: Nginx | undefined;
  try {
    const dataDir = path.join(work, 'www');
    await mkdir(dataDir);
    const out = path.join(work, 'out');
    await mkdir(out);
    const file = path.join(dataDir, 'model.bin');
    const cappedFile = path.join(dataDir, 'capped.bin');
    const wantsBig = ['uncapped', 'several', 'resume'].some((name) => sections.has(name));
    const wantsCapped = sections.has('capped') || sections.has('kill');
    if (wantsBig) await writeRandomFile(file, SIZE);
    if (wantsCapped) await writeRandomFile(cappedFile, CAPPED_SIZE);
    const child = path.join(work, 'child.mjs');
    await bundle(path.join(here, 'download-child.ts'), child);
    const [port, tlsPort, cappedPort] = [await freePort(), await freePort(), await freePort()];
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
    const accessLog = path.join(work, 'capped-access.log');
    // Plain HTTP, HTTPS with a throw-away self-signed certificate, and a server that caps each
    // connection at 8 MB/s (like many CDNs), logging the bytes it sent.
    nginx = await startNginx(
      work,
      'nginx',
      `  sendfile on;
  tcp_nopush on;
  access_log off;
  log_format sent '$request_uri $status $body_bytes_sent';
  server { listen 127.0.0.1:${port}; root ${dataDir}; }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    root ${dataDir};
  }
  server {
    listen 127.0.0.1:${cappedPort};
    root ${dataDir};
    limit_rate 8m;
    access_log ${accessLog} sent;
  }`,
      port,
    );
    const b: Bench = {
      work,
      out,
      child,
      file,
      sha256: wantsBig ? sha256Of(file) : '',
      url: `http://127.0.0.1:${port}/model.bin`,
      tlsUrl: `https://127.0.0.1:${tlsPort}/model.bin`,
      cert,
      cappedFile,
      cappedSha256: wantsCapped ? sha256Of(cappedFile) : '',
      cappedUrl: `http://127.0.0.1:${cappedPort}/capped.bin`,
      uncappedPort: port,
      accessLog,
    };
    console.log(`(load average at start ${loadAverage()})`);
    let oneInside: number | undefined;
    if (sections.has('uncapped')) oneInside = await uncapped(b);
    if (sections.has('several')) await several(b, oneInside);
    if (sections.has('resume')) await resume(b);
    if (sections.has('capped')) await capped(b);
    if (sections.has('kill')) await kill(b);
    console.log(
      `\n(${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, load average ${loadAverage()})`,
    );
  } finally {
    await nginx?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
