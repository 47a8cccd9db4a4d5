/** `part / whole`, or `empty` when there is nothing to divide by. */
export const ratio = (part: number, whole: number, empty: number): number =>
  whole > 0 ? part / whole : empty;
