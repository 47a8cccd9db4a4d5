import { MAX_WINDOW } from './layout.js';

/**
 * The memory ahead of the hash frontiers, shared by every segmented file of one Downloader: a file
 * may hold what its connections need (a chunk per connection: equally fast connections never wait)
 * but no more than its share of {@link MAX_WINDOW} (one chunk at least), so four files at once hold
 * about as much as one would.
 */
export class WindowShare {
  #files = 0;

  /** Segmented runs now. */
  get files(): number {
    return this.#files;
  }

  /** A run starts; call the returned function when it ends. */
  join(): () => void {
    this.#files += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#files -= 1;
    };
  }

  /** The window for a file with `connections` connections fetching `chunkSize` chunks. */
  windowFor(chunkSize: number, connections: number, max: number): number {
    const share = Math.floor(MAX_WINDOW / Math.max(1, this.#files));
    return Math.min(max, Math.max(chunkSize, Math.min(share, chunkSize * Math.max(1, connections))));
  }
}
