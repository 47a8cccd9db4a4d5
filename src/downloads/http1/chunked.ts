import { ProtocolError } from '../../errors/ProtocolError.js';
import { quoteServerText } from './head.js';

/** Longest chunk-size line (size plus extensions) or trailer line accepted. */
const MAX_LINE = 4096;
/** Largest trailer section accepted. */
const MAX_TRAILERS = 16 * 1024;

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/**
 * Incremental decoder of a `Transfer-Encoding: chunked` body. Feed it the bytes as they arrive in
 * any split; it emits the payload slices (views into the input, no copies) and stops at the end of
 * the trailer section, telling the caller how many input bytes it consumed.
 */
export class ChunkedDecoder {
  #state: State = 'size';
  #line = '';
  #remaining = 0;
  #trailerBytes = 0;
  readonly #url: string | undefined;

  constructor(url?: string) {
    this.#url = url;
  }

  /** Whether the terminating chunk and trailers have been read. */
  get done(): boolean {
    return this.#state === 'done';
  }

  #fail(why: string): never {
    throw new ProtocolError(`Invalid chunked body${this.#url ? ` from ${this.#url}` : ''}: ${why}`, {
      url: this.#url,
    });
  }

  /** Reads a line; returns it once complete (without CR LF) and how far it consumed. */
  #readLine(input: Uint8Array, start: number, end: number): [string | undefined, number] {
    let i = start;
    while (i < end && input[i] !== 0x0a) i++;
    const piece = Buffer.from(input.buffer, input.byteOffset + start, i - start).toString('latin1');
    this.#line += piece;
    if (this.#line.length > MAX_LINE) this.#fail('line too long');
    if (i === end) return [undefined, end];
    const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
    this.#line = '';
    return [line, i + 1];
  }

  /**
   * Decodes `input[start, end)`, calling `emit` with each payload slice. Returns the index after the
   * last byte consumed (less than `end` only once done: the rest does not belong to this body).
   */
  feed(input: Uint8Array, start: number, end: number, emit: (data: Uint8Array) => void): number {
    let at = start;
    while (at < end && this.#state !== 'done') {
      if (this.#state === 'data') {
        const n = Math.min(this.#remaining, end - at);
        emit(input.subarray(at, at + n));
        at += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = 'data-end';
        continue;
      }
      const [line, next] = this.#readLine(input, at, end);
      if (this.#state === 'trailers') this.#trailerBytes += next - at;
      at = next;
      if (line === undefined) break;
      if (this.#state === 'size') {
        const size = /^([0-9A-Fa-f]{1,13})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) this.#fail(`bad chunk size ${quoteServerText(line, 40)}`);
        this.#remaining = Number.parseInt(size[1] as string, 16);
        this.#state = this.#remaining === 0 ? 'trailers' : 'data';
      } else if (this.#state === 'data-end') {
        if (line !== '') this.#fail('chunk data longer than its size');
        this.#state = 'size';
      } else {
        if (this.#trailerBytes > MAX_TRAILERS) this.#fail('trailer section too large');
        if (line === '') this.#state = 'done';
      }
    }
    return at;
  }
}
