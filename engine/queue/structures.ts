/** Small data structures for queues: a ring-buffer deque and a binary heap. */

/** Double-ended queue on a growable ring buffer; O(1) push/shift without array shifting. */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private len = 0;

  constructor(capacity = 1024) {
    this.buf = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.len;
  }

  push(v: T): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) % this.buf.length] = v;
    this.len++;
  }

  unshift(v: T): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = v;
    this.len++;
  }

  /** Inserts `v` so that it becomes item `index` (0 = head); O(index). */
  insert(index: number, v: T): void {
    if (index <= 0) return this.unshift(v);
    if (index >= this.len) return this.push(v);
    if (this.len === this.buf.length) this.grow();
    const cap = this.buf.length;
    this.head = (this.head - 1 + cap) % cap;
    for (let i = 0; i < index; i++) this.buf[(this.head + i) % cap] = this.buf[(this.head + i + 1) % cap];
    this.buf[(this.head + index) % cap] = v;
    this.len++;
  }

  shift(): T | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.len--;
    return v;
  }

  /** Removes and returns the last `n` items (oldest first). */
  popTail(n: number): T[] {
    const k = Math.min(n, this.len);
    const out = new Array<T>(k);
    for (let i = 0; i < k; i++) {
      const idx = (this.head + this.len - k + i) % this.buf.length;
      out[i] = this.buf[idx] as T;
      this.buf[idx] = undefined;
    }
    this.len -= k;
    return out;
  }

  peek(): T | undefined {
    return this.len === 0 ? undefined : this.buf[this.head];
  }

  at(i: number): T | undefined {
    return i < 0 || i >= this.len ? undefined : this.buf[(this.head + i) % this.buf.length];
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) % this.buf.length] as T;
  }

  clear(): T[] {
    const out = [...this];
    this.buf = new Array<T | undefined>(1024);
    this.head = 0;
    this.len = 0;
    return out;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.buf.length * 2);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}

/** Binary min-heap ordered by `compare` (negative = a first). */
export class Heap<T> {
  private items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get length(): number {
    return this.items.length;
  }

  push(v: T): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(a[i] as T, a[p] as T) >= 0) break;
      [a[i], a[p]] = [a[p] as T, a[i] as T];
      i = p;
    }
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.compare(a[l] as T, a[m] as T) < 0) m = l;
        if (r < a.length && this.compare(a[r] as T, a[m] as T) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as T, a[i] as T];
        i = m;
      }
    }
    return top;
  }

  /** Items in heap order (not sorted). */
  values(): readonly T[] {
    return this.items;
  }

  clear(): T[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}
