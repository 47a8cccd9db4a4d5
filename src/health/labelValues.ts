/** Longest label value `toPrometheus` writes, in UTF-16 code units; longer text is cut and ends in `…`. */
export const MAX_LABEL_LENGTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Strings as they are, numbers as text, anything else (hand-made reports) as the empty string. */
function plain(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/**
 * `text` well-formed (lone surrogates become U+FFFD, as UTF-8 encoding would turn them) and at most
 * `max` code units long, never splitting a surrogate pair.
 */
export function clip(text: string, max: number): string {
  const whole = text.replace(LONE_SURROGATE, '\uFFFD');
  if (whole.length <= max) return whole;
  let cut = whole.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * Label values that are distinct by construction, for one label of one series family. Names that
 * come out equal — redacted alike (`https://u:***@host`), cut at {@link MAX_LABEL_LENGTH}, or equal
 * once lone surrogates are replaced — would make duplicate series, which Prometheus rejects: a value
 * already taken gets ` (2)`, ` (3)`, … (the first free one), in the order the names come. The order
 * is the report's (first seen), so a name keeps its value from one scrape to the next.
 */
export class LabelValues {
  readonly #taken = new Set<string>();
  readonly #max: number;

  constructor(max = MAX_LABEL_LENGTH) {
    this.#max = max;
  }

  /** The label value for `name`: itself (well-formed, clipped) or, when taken, with a suffix. */
  take(name: unknown): string {
    const base = clip(plain(name), this.#max);
    let value = base;
    // Bounded: distinct n give distinct values, so at most taken.size + 1 tries.
    for (let n = 2; this.#taken.has(value); n++) {
      const suffix = ` (${n})`;
      value = `${clip(base, this.#max - suffix.length)}${suffix}`;
    }
    this.#taken.add(value);
    return value;
  }
}
