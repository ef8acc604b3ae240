/** A binary min-heap ordered by (ts, seq): events at the same millisecond leave in insertion order. */
export interface HeapItem {
  ts: number;
  seq: number;
}

export class MinHeap<T extends HeapItem> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    // Sift up with a hole: no swaps, no temporary arrays.
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!less(item, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    const n = a.length;
    if (n > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(a[r]!, a[l]!) ? r : l;
        if (!less(a[c]!, last)) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

const less = (x: HeapItem, y: HeapItem) => x.ts < y.ts || (x.ts === y.ts && x.seq < y.seq);
