/** Anything that carries HTTP headers: a fetch `Headers`, node's `IncomingHttpHeaders`, or a plain record. */
export type HeaderSource =
  | {
      /** The header's value (case-insensitive name), or null when absent. */
      get(name: string): string | null;
    }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** Reads one header case-insensitively; repeated values are joined with ", " as HTTP allows. */
export function readHeader(headers: HeaderSource | undefined | null, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value ?? undefined;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  const lower = name.toLowerCase();
  let value = record[lower];
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === lower) {
        value = record[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
