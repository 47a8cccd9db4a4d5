import cliProgress from 'cli-progress';
import { formatBytes } from './parse.js';

interface FileBar {
  bar?: cliProgress.SingleBar;
  done: boolean;
}

/**
 * Download progress: bars with ETA (cli-progress) on a terminal; on a pipe, one line when a file
 * starts or ends plus an overall line every few seconds, all on stderr so `--json` stays clean.
 */
export class ProgressView {
  #tty: boolean;
  #multi: cliProgress.MultiBar | undefined;
  #overall: cliProgress.SingleBar | undefined;
  readonly #files = new Map<string, FileBar>();
  #lastLine = 0;
  #samples: [number, number][] = [];

  constructor(totalBytes: number, label: string) {
    this.#tty = Boolean(process.stderr.isTTY);
    if (this.#tty) {
      this.#multi = new cliProgress.MultiBar(
        {
          stream: process.stderr,
          format: ' {name} |{bar}| {percentage}% | {size} | {speed}/s | ETA {eta_formatted}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 30,
          fps: 8,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#overall = this.#multi.create(Math.max(totalBytes, 1), 0, {
        name: label.padEnd(44).slice(0, 44),
        size: `0 B/${formatBytes(totalBytes)}`,
        speed: '0 B',
      });
    } else {
      process.stderr.write(`${label}: ${formatBytes(totalBytes)} to download\n`);
    }
  }

  /** Updates one file's bar and the overall bar. */
  update(name: string, bytes: number, total: number, doneBytes: number, totalBytes: number): void {
    const rate = this.#rate(doneBytes);
    let file = this.#files.get(name);
    if (!file) {
      file = { done: false };
      this.#files.set(name, file);
      if (this.#multi) {
        file.bar = this.#multi.create(Math.max(total, 1), 0, {
          name: shorten(name),
          size: '',
          speed: '0 B',
        });
      } else {
        process.stderr.write(`downloading ${name} (${formatBytes(total)})\n`);
      }
    }
    const payload = { size: `${formatBytes(bytes)}/${formatBytes(total)}`, speed: formatBytes(rate) };
    file.bar?.update(bytes, payload);
    this.#overall?.setTotal(Math.max(totalBytes, 1));
    this.#overall?.update(doneBytes, {
      size: `${formatBytes(doneBytes)}/${formatBytes(totalBytes)}`,
      speed: formatBytes(rate),
    });
    if (!file.done && bytes >= total) {
      file.done = true;
      if (!this.#tty) process.stderr.write(`done ${name}\n`);
    }
    const now = Date.now();
    if (!this.#tty && now - this.#lastLine > 2000) {
      this.#lastLine = now;
      process.stderr.write(`${progressLine(doneBytes, totalBytes, rate)}\n`);
    }
  }

  /** Bytes per second over the last ~3 s. */
  #rate(doneBytes: number): number {
    const now = performance.now();
    this.#samples.push([now, doneBytes]);
    while (this.#samples.length > 2 && now - (this.#samples[0]?.[0] ?? now) > 3000) this.#samples.shift();
    const [t0, b0] = this.#samples[0] ?? [now, doneBytes];
    return now > t0 ? Math.max(0, ((doneBytes - b0) * 1000) / (now - t0)) : 0;
  }

  /** A line above the bars (they are redrawn below it); plain stderr without bars. */
  log(text: string): void {
    if (this.#multi) this.#multi.log(text);
    else process.stderr.write(text);
  }

  /** Stops the bars for good (e.g. before a prompt) and goes on with plain lines. */
  suspend(): void {
    this.#multi?.stop();
    this.#multi = undefined;
    this.#overall = undefined;
    for (const file of this.#files.values()) delete file.bar;
    this.#tty = false;
  }

  stop(): void {
    this.#multi?.stop();
  }
}

/** `progress 40% (2.3 MB/5.7 MB) at 1.2 MB/s, ETA 3 s` — the overall line printed without a terminal. */
export function progressLine(doneBytes: number, totalBytes: number, rate: number): string {
  const pct = totalBytes > 0 ? Math.floor((doneBytes / totalBytes) * 100) : 100;
  const left = Math.max(0, totalBytes - doneBytes);
  const eta = rate > 0 ? formatEta(left / rate) : 'unknown';
  return `progress ${pct}% (${formatBytes(doneBytes)}/${formatBytes(totalBytes)}) at ${formatBytes(rate)}/s, ETA ${eta}`;
}

/** 75 → `1 min 15 s`, 3 → `3 s`, 7300 → `2 h 2 min`. */
export function formatEta(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function shorten(name: string): string {
  const text = name.length > 44 ? `…${name.slice(-43)}` : name;
  return text.padEnd(44);
}
