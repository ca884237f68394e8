const INITIAL_CAPACITY = 4;
// an emptied ring keeps an array up to this size (8 KB), so a queue that fills and drains over
// and over does not allocate each time
const RETAINED_CAPACITY = 1_024;

/**
 * A FIFO queue on a power-of-two circular array: `push` and `shift` are O(1) and allocate only
 * when the array doubles, unlike `Array.prototype.shift` which is O(n) on large arrays.
 */
export class Ring<T> {
  #items: (T | undefined)[] = new Array(INITIAL_CAPACITY);
  #mask = INITIAL_CAPACITY - 1;
  #head = 0;
  #size = 0;

  /** The number of items held. */
  get size(): number {
    return this.#size;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** The front item, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  /**
   * Removes every item. An array grown past `RETAINED_CAPACITY` goes too: a burst's array (1 MB
   * after 100,000 waiters) would otherwise be held by an idle queue for good.
   */
  clear(): void {
    if (this.#items.length <= RETAINED_CAPACITY) {
      while (this.#size > 0) this.shift();
      return;
    }
    this.#items = new Array(INITIAL_CAPACITY);
    this.#mask = INITIAL_CAPACITY - 1;
    this.#head = 0;
    this.#size = 0;
  }

  /** Keeps only the items `keep` accepts, in order. */
  filter(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    while (this.#size > 0) {
      const item = this.shift() as T;
      if (keep(item)) kept.push(item);
    }
    for (const item of kept) this.push(item);
  }

  #grow(): void {
    const old = this.#items;
    const items: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
  }
}
