/** An item waiting in a {@link PriorityQueue}. */
export interface Prioritized {
  readonly priority: number;
  readonly sequence: number;
  /** Where the item sits in the heap (-1 when it is not queued); kept by the queue. */
  position: number;
}

/** Higher priority first; equal priorities in arrival order. Priorities are finite numbers. */
function before(a: Prioritized, b: Prioritized): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.sequence < b.sequence);
}

/**
 * A binary max-heap keyed by (priority, arrival) whose items know their position, so that removing
 * any one of them (an aborted waiter) is O(log n) like push and pop: cancelling n waiters costs
 * O(n log n), never a rebuild per removal.
 */
export class PriorityQueue<T extends Prioritized> {
  readonly #heap: T[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(item: T): void {
    this.#heap.push(item);
    item.position = this.#heap.length - 1;
    this.#up(item.position);
  }

  pop(): T | undefined {
    const top = this.#heap[0];
    if (top !== undefined) this.#removeAt(0);
    return top;
  }

  /** Removes `item` if it is queued here; O(log n). */
  delete(item: T): boolean {
    const index = item.position;
    if (index < 0 || this.#heap[index] !== item) return false;
    this.#removeAt(index);
    return true;
  }

  #removeAt(index: number): void {
    const heap = this.#heap;
    const removed = heap[index] as T;
    const last = heap.pop() as T;
    removed.position = -1;
    if (index === heap.length) return;
    this.#place(last, index);
    // The moved item may belong above (it came from another branch) or below its new place.
    if (index > 0 && before(last, heap[(index - 1) >> 1] as T)) this.#up(index);
    else this.#down(index);
  }

  #place(item: T, index: number): void {
    this.#heap[index] = item;
    item.position = index;
  }

  #up(index: number): void {
    const heap = this.#heap;
    const item = heap[index] as T;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as T;
      if (!before(item, above)) break;
      this.#place(above, index);
      index = parent;
    }
    this.#place(item, index);
  }

  #down(index: number): void {
    const heap = this.#heap;
    const item = heap[index] as T;
    const length = heap.length;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right] as T, heap[left] as T) ? right : left;
      const below = heap[child] as T;
      if (!before(below, item)) break;
      this.#place(below, index);
      index = child;
    }
    this.#place(item, index);
  }
}
