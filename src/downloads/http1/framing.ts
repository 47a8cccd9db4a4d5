import type { ResponseHead } from './head.js';

/** How the body of a response to a GET is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  /** No body (1xx, 204, 304). */
  | { readonly kind: 'none' }
  /** Exactly `length` bytes. */
  | { readonly kind: 'length'; readonly length: number }
  /** Transfer-Encoding: chunked. */
  | { readonly kind: 'chunked' }
  /** Everything until the server closes the connection. */
  | { readonly kind: 'close' };

function tokens(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

/** The framing of a response to a GET request. */
export function bodyFraming(head: ResponseHead): BodyFraming {
  const status = head.statusCode;
  if (status < 200 || status === 204 || status === 304) return { kind: 'none' };
  const codings = tokens(head.headers['transfer-encoding']);
  // Transfer-Encoding overrides Content-Length; a final coding other than chunked reads to the close.
  if (codings.length > 0)
    return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  const length = head.headers['content-length'];
  if (length !== undefined) return { kind: 'length', length: Number(length) };
  return { kind: 'close' };
}

/** Whether the connection may carry another request once this response's body is read. */
export function reusable(head: ResponseHead, framing: BodyFraming): boolean {
  if (framing.kind === 'close') return false;
  // Both headers at once is a smuggling pattern: never reuse such a connection.
  if (head.headers['transfer-encoding'] !== undefined && head.headers['content-length'] !== undefined)
    return false;
  const connection = tokens(head.headers.connection);
  if (connection.includes('close')) return false;
  return head.minorVersion === 1 || connection.includes('keep-alive');
}
