import { type HeaderSource, readHeader } from './headers.js';

/** Largest delay we will ever compute from a header (about 24.8 days, setTimeout's limit). */
const MAX_HEADER_DELAY_MS = 2_147_483_647;

const DELTA_SECONDS = /^\s*(\d+)\s*$/;
// IMF-fixdate, obsolete RFC 850 and asctime formats all start with a weekday name.
const HTTP_DATE = /^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+[\w\s:-]+$/;

/**
 * Parses a `Retry-After` value: delta-seconds (`"120"`) or an HTTP-date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`). Returns the wait in milliseconds (never negative), or
 * `undefined` for anything else.
 *
 * @param value - the raw header value
 * @param now - the current time in ms since the epoch (injectable for tests)
 */
export function parseRetryAfter(
  value: string | undefined | null,
  now: number = Date.now(),
): number | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  const seconds = DELTA_SECONDS.exec(value);
  if (seconds) return Math.min(Number(seconds[1]) * 1000, MAX_HEADER_DELAY_MS);
  if (!HTTP_DATE.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_HEADER_DELAY_MS);
}

const PARAM = /;\s*([a-z]+)\s*=\s*("?)(\d+)\2/g;
const LEGACY_RESET = /(?:^|[\s,;])reset\s*=\s*(\d+)/i;
const LEGACY_REMAINING = /(?:^|[\s,;])remaining\s*=\s*(\d+)/i;

/**
 * Parses the IETF `RateLimit` header and returns how long to wait, in milliseconds, or
 * `undefined` when it asks for no wait or cannot be read.
 *
 * Understands the structured-field form used by the Hugging Face Hub (`"api";r=0;t=55`: quota
 * `r` remaining, reset in `t` seconds) — a wait is only implied when some policy has `r=0` — and the
 * older draft form (`limit=100, remaining=0, reset=55`).
 */
export function parseRateLimit(value: string | undefined | null): number | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  let wait: number | undefined;
  for (const item of value.split(',')) {
    let remaining: number | undefined;
    let reset: number | undefined;
    for (const match of item.matchAll(PARAM)) {
      const n = Number(match[3]);
      if (match[1] === 'r') remaining = n;
      else if (match[1] === 't') reset = n;
    }
    if (reset !== undefined && remaining === 0) wait = Math.max(wait ?? 0, reset);
  }
  if (wait === undefined) {
    const legacyReset = LEGACY_RESET.exec(value);
    const legacyRemaining = LEGACY_REMAINING.exec(value);
    if (legacyReset && (!legacyRemaining || Number(legacyRemaining[1]) === 0)) wait = Number(legacyReset[1]);
  }
  return wait === undefined ? undefined : Math.min(wait * 1000, MAX_HEADER_DELAY_MS);
}

/**
 * The server-directed wait in a response's headers: `Retry-After` first, then `RateLimit`, then
 * the legacy `RateLimit-Reset` (seconds). `undefined` when none applies. `X-RateLimit-Reset` is not
 * read on purpose: servers disagree on whether it holds seconds to wait or an epoch time.
 */
export function serverDelayFromHeaders(
  headers: HeaderSource | undefined | null,
  now: number = Date.now(),
): number | undefined {
  const retryAfter = parseRetryAfter(readHeader(headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const rateLimit = parseRateLimit(readHeader(headers, 'ratelimit'));
  if (rateLimit !== undefined) return rateLimit;
  const reset = readHeader(headers, 'ratelimit-reset');
  return reset !== undefined ? parseRetryAfter(reset, now) : undefined;
}
