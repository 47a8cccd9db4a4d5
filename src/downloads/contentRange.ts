/** A parsed `Content-Range` header (RFC 9110 §14.4), bytes unit only. */
export type ContentRange =
  /** `bytes <start>-<end>/<total | *>`: the body holds bytes start..end (inclusive). */
  | {
      /** The body is a byte range of the representation. */
      readonly kind: 'range';
      /** Offset of the first byte in the body. */
      readonly start: number;
      /** Offset of the last byte in the body (inclusive). */
      readonly end: number;
      /** Length of the whole representation in bytes; undefined for `*` (unknown). */
      readonly total: number | undefined;
    }
  /** `bytes *\/<total>`: sent with 416; the representation is `total` bytes long. */
  | {
      /** The requested range lies outside the representation (416). */
      readonly kind: 'unsatisfied';
      /** Length of the whole representation in bytes. */
      readonly total: number;
    };

const RANGE = /^bytes[ \t]+(\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/i;
const UNSATISFIED = /^bytes[ \t]+\*\/(\d{1,16})$/i;

/**
 * Parses a `Content-Range` value strictly. Returns `undefined` for anything malformed or
 * inconsistent: another unit, `end < start`, `end ≥ total`, numbers beyond 2^53, extra text.
 *
 * @example
 * parseContentRange('bytes 100-199/1000') // { kind: 'range', start: 100, end: 199, total: 1000 }
 * parseContentRange('bytes *\/1000')       // { kind: 'unsatisfied', total: 1000 }
 */
export function parseContentRange(value: string | undefined | null): ContentRange | undefined {
  if (typeof value !== 'string' || value.length > 80) return undefined;
  const text = value.trim();
  const range = RANGE.exec(text);
  if (range) {
    const start = Number(range[1]);
    const end = Number(range[2]);
    const total = range[3] === '*' ? undefined : Number(range[3]);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
    if (total !== undefined && (!Number.isSafeInteger(total) || end >= total)) return undefined;
    return { kind: 'range', start, end, total };
  }
  const unsatisfied = UNSATISFIED.exec(text);
  if (unsatisfied) {
    const total = Number(unsatisfied[1]);
    return Number.isSafeInteger(total) ? { kind: 'unsatisfied', total } : undefined;
  }
  return undefined;
}
