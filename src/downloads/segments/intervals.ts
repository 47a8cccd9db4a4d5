/** A byte range `[start, end)`. */
export type ByteRange = readonly [start: number, end: number];

/**
 * A set of byte positions kept as sorted, disjoint, non-touching ranges `[start, end)`: what a
 * segmented partial holds on disk, or what is left to hash from it.
 */
export class IntervalSet {
  #ranges: [number, number][] = [];

  constructor(ranges: readonly ByteRange[] = []) {
    for (const [start, end] of ranges) this.add(start, end);
  }

  /** Adds `[start, end)` (merging with touching or overlapping ranges). */
  add(start: number, end: number): void {
    if (end <= start) return;
    const ranges = this.#ranges;
    // First range that ends at or after `start` (it may touch or overlap the new one).
    let i = 0;
    while (i < ranges.length && (ranges[i] as [number, number])[1] < start) i++;
    let j = i;
    let lo = start;
    let hi = end;
    while (j < ranges.length && (ranges[j] as [number, number])[0] <= end) {
      const [s, e] = ranges[j] as [number, number];
      lo = Math.min(lo, s);
      hi = Math.max(hi, e);
      j++;
    }
    ranges.splice(i, j - i, [lo, hi]);
  }

  /** Removes every position at or after `from`. */
  truncate(from: number): void {
    const kept: [number, number][] = [];
    for (const [start, end] of this.#ranges) {
      if (start >= from) break;
      kept.push([start, Math.min(end, from)]);
    }
    this.#ranges = kept;
  }

  /** Removes every position. */
  clear(): void {
    this.#ranges = [];
  }

  /** End of the range that holds `position` (`position` itself when none does). */
  reach(position: number): number {
    for (const [start, end] of this.#ranges) {
      if (start > position) break;
      if (end > position) return end;
    }
    return position;
  }

  /** Positions held in all. */
  get size(): number {
    let sum = 0;
    for (const [start, end] of this.#ranges) sum += end - start;
    return sum;
  }

  /** The ranges, sorted (a copy, for the meta file). */
  toJSON(): [number, number][] {
    return this.#ranges.map(([start, end]) => [start, end]);
  }
}
