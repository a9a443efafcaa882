/**
 * A min-heap of plan step indices: ready steps leave it in plan order (which is topological and
 * partition-ordered), in O(log n) per push or pop.
 */
export class ReadyQueue {
  private readonly items: number[] = [];

  /** How many indices are queued. */
  get size(): number {
    return this.items.length;
  }

  /** Queues a step index. */
  push(index: number): void {
    const items = this.items;
    let i = items.length;
    items.push(index);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as number;
      if (p <= index) break;
      items[i] = p;
      i = parent;
    }
    items[i] = index;
  }

  /** Removes and returns the smallest queued index; undefined when empty. */
  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && (items[right] as number) < (items[left] as number)) child = right;
      const c = items[child] as number;
      if (c >= last) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Empties the queue. */
  clear(): void {
    this.items.length = 0;
  }
}
