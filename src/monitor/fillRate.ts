/** One observation of a volume's free space. */
export interface FreePoint {
  /** ms */
  readonly at: number;
  readonly freeBytes: number;
}

/**
 * Rate at which free space shrinks, in bytes per second: the negated least-squares slope of free
 * bytes over time. Least squares (rather than first-to-last) keeps one bursty write or a
 * momentary cleanup from swinging the projection.
 *
 * Returns 0 unless the space really shrank: fewer than `minSamples` points, no time spread, a
 * non-negative slope, or free space at the end not below the start all mean "not filling". The
 * last check is what makes a flat or falling usage never project "full" even when floating-point
 * rounding leaves a tiny negative slope.
 */
export function fillRate(points: readonly FreePoint[], minSamples = 3): number {
  const n = points.length;
  if (n < Math.max(2, minSamples)) return 0;
  const first = points[0] as FreePoint;
  const last = points[n - 1] as FreePoint;
  if (!(last.freeBytes < first.freeBytes)) return 0;
  // Centre both axes on the first point so that large byte counts and epoch times keep precision.
  let sumT = 0;
  let sumY = 0;
  for (const p of points) {
    sumT += (p.at - first.at) / 1000;
    sumY += p.freeBytes - first.freeBytes;
  }
  const meanT = sumT / n;
  const meanY = sumY / n;
  let cov = 0;
  let varT = 0;
  for (const p of points) {
    const dt = (p.at - first.at) / 1000 - meanT;
    cov += dt * (p.freeBytes - first.freeBytes - meanY);
    varT += dt * dt;
  }
  if (!(varT > 0)) return 0;
  const slope = cov / varT;
  return slope < 0 && Number.isFinite(slope) ? -slope : 0;
}

/** Seconds until `freeBytes` reach zero at `rate` bytes/s (Infinity when not filling). */
export function secondsToFull(freeBytes: number, rate: number): number {
  if (!(rate > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(0, freeBytes) / rate;
}
