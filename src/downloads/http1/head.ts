import type { IncomingHttpHeaders } from 'node:http';
import { ProtocolError } from '../../errors/ProtocolError.js';
import { redact } from '../../shared/redaction/redact.js';

/** The largest response head accepted (status line and headers), like Node's default. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** A parsed response head. */
export interface ResponseHead {
  /** Minor HTTP version: 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: 0 | 1;
  readonly statusCode: number;
  readonly statusMessage: string;
  /** Lower-case names; `set-cookie` is an array, repeated single-value fields keep the first. */
  readonly headers: IncomingHttpHeaders;
}

/**
 * Index just past the blank line that ends a head in `buffer[0, end)` (CRLF or bare LF line ends),
 * or -1 when it has not arrived yet. `from` lets a caller skip bytes it already searched.
 */
export function findHeadEnd(buffer: Uint8Array, end: number, from = 0): number {
  for (let i = Math.max(from, 1); i < end; i++) {
    if (buffer[i] !== 0x0a) continue;
    if (buffer[i - 1] === 0x0a) return i + 1;
    if (buffer[i - 1] === 0x0d && i >= 2 && buffer[i - 2] === 0x0a) return i + 1;
  }
  return -1;
}

/**
 * Server bytes quoted in an error message: redacted FIRST, then cut to `max` characters, so a
 * secret the server echoed can neither appear whole nor be cut into a prefix the redactor misses.
 */
export function quoteServerText(text: string, max: number): string {
  const clean = redact(text);
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}…` : clean);
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\r\n\0]*))?$/;
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\r\n\0]*?)[ \t]*$/;

/** Whether a field value holds a control character other than horizontal tab. */
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Fields Node keeps only once (later copies are dropped); content-length is checked instead. */
const SINGLE = new Set([
  'age',
  'authorization',
  'content-range',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

function addField(headers: Record<string, string | string[]>, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) {
    headers[name] = name === 'set-cookie' ? [value] : value;
  } else if (Array.isArray(existing)) {
    existing.push(value);
  } else if (name === 'content-length') {
    headers[name] = `${existing}, ${value}`;
  } else if (!SINGLE.has(name)) {
    headers[name] = `${existing}, ${value}`;
  }
}

/**
 * Parses a response head (everything before the blank line, which may be included). Throws
 * {@link ProtocolError} on anything that is not a valid HTTP/1.x response head. Obsolete line
 * folding is replaced by a space, as RFC 9112 asks of user agents.
 */
export function parseHead(bytes: Uint8Array, url?: string): ResponseHead {
  const fail = (why: string): never => {
    throw new ProtocolError(redact(`Invalid HTTP response${url ? ` from ${url}` : ''}: ${why}`), { url });
  };
  if (bytes.length > MAX_HEAD_BYTES) fail(`response head larger than ${MAX_HEAD_BYTES} bytes`);
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').split('\n');
  const trimmed = lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  const statusLine = trimmed.shift() ?? '';
  const status = STATUS_LINE.exec(statusLine);
  if (!status) fail(`bad status line ${quoteServerText(statusLine, 80)}`);
  // No prototype: a field named `constructor` or `__proto__` is just a field.
  const headers: Record<string, string | string[]> = Object.create(null);
  let lastName: string | undefined;
  const fields: [string, string][] = [];
  for (const line of trimmed) {
    if (line === '') fail('empty line inside the head');
    if (line[0] === ' ' || line[0] === '\t') {
      const last = fields[fields.length - 1];
      if (!last || lastName === undefined) fail('continuation line before any field');
      else last[1] = [last[1], line.trim()].filter((part) => part !== '').join(' ');
      continue;
    }
    const field = FIELD_LINE.exec(line);
    if (!field) fail(`bad header line ${quoteServerText(line, 80)}`);
    else {
      lastName = (field[1] as string).toLowerCase();
      fields.push([lastName, field[2] as string]);
    }
  }
  for (const [name, value] of fields) {
    if (hasControl(value)) fail(`control character in ${name}`);
    addField(headers, name, value);
  }
  const length = headers['content-length'];
  if (typeof length === 'string') {
    const values = new Set(length.split(',').map((part) => part.trim()));
    const [only] = values;
    if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only))
      fail(`invalid Content-Length ${quoteServerText(length, 80)}`);
    else headers['content-length'] = only;
  }
  const [, minor, code, message] = status as RegExpExecArray;
  return {
    minorVersion: minor === '0' ? 0 : 1,
    statusCode: Number(code),
    statusMessage: message ?? '',
    headers: headers as IncomingHttpHeaders,
  };
}
