/**
 * Internal reasons a connection's request is ended on purpose (never shown to users: the run
 * handles them): the stream reached a chunk someone else fetches, the connection moves to a chunk
 * nearer the frontier, or it is no longer wanted.
 */
export class StreamStop extends Error {
  readonly why: 'boundary' | 'yield' | 'shed';
  constructor(why: 'boundary' | 'yield' | 'shed') {
    super(`connection stopped (${why})`);
    this.why = why;
  }
}

/** The file changed on the server while chunks were fetched (another ETag, Last-Modified or size). */
export class FileChanged extends Error {
  constructor() {
    super('the file changed on the server while its chunks were fetched');
  }
}
