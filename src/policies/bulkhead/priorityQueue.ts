/** An item waiting in a {@link PriorityQueue}. */
export interface Prioritized {
  readonly priority: number;
  readonly sequence: number;
}

/** Higher priority first; equal priorities in arrival order. */
function before(a: Prioritized, b: Prioritized): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.sequence < b.sequence);
}

/** A binary max-heap keyed by (priority, arrival). */
export class PriorityQueue<T extends Prioritized> {
  readonly #heap: T[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(item: T): void {
    const heap = this.#heap;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index] as T, heap[parent] as T)) break;
      [heap[index], heap[parent]] = [heap[parent] as T, heap[index] as T];
      index = parent;
    }
  }

  pop(): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let best = index;
        if (left < heap.length && before(heap[left] as T, heap[best] as T)) best = left;
        if (right < heap.length && before(heap[right] as T, heap[best] as T)) best = right;
        if (best === index) break;
        [heap[index], heap[best]] = [heap[best] as T, heap[index] as T];
        index = best;
      }
    }
    return top;
  }

  /** Removes one item (O(n); only used when a queued call is aborted). */
  delete(item: T): boolean {
    const index = this.#heap.indexOf(item);
    if (index < 0) return false;
    const rest = this.#heap.splice(index, 1);
    const items = this.#heap.splice(0);
    for (const kept of items) this.push(kept);
    return rest.length === 1;
  }
}
