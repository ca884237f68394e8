/**
 * A FIFO queue on a power-of-two circular array: `push` and `shift` are O(1) and allocate only
 * when the array doubles, unlike `Array.prototype.shift` which is O(n) on large arrays.
 */
export class Ring<T> {
  #items: (T | undefined)[] = new Array(4);
  #mask = 3;
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
