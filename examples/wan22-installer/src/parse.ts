import { UsageError } from './exit.js';

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** `10M`, `500k`, `1.5MB/s`, `2MiB` → bytes per second. */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*(?:\/s)?\s*$/i.exec(text);
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  const value = match ? Number(match[1]) * (unit ?? Number.NaN) : Number.NaN;
  if (!Number.isFinite(value) || value < 1024) {
    throw new UsageError(
      `--bandwidth ${text}: expected a rate of at least 1 kB/s such as 500k, 10M or 1.5MB/s`,
    );
  }
  return Math.floor(value);
}

/** A non-negative integer option. */
export function parseCount(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} ${text}: expected a whole number`);
  return Number(text);
}

/** `a,b` → ['a', 'b'] (empty entries dropped). */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** 1234567 → `1.2 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
