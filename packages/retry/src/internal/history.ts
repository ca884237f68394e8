import { type AttemptRecord, KEPT_LAST_ATTEMPTS } from '../errors.js';

/** An attempt record the loop may still fill in (`delay` is known only after the backoff). */
export type MutableRecord = { -readonly [K in keyof AttemptRecord]: AttemptRecord[K] };

/**
 * A call's attempt history in bounded memory: the first record and a ring of the last
 * `KEPT_LAST_ATTEMPTS`, plus counts. `attempts: Infinity` can fail for days; the history must not
 * grow with it.
 */
export class History {
  /** Records ever added. */
  count = 0;
  /** Failed attempts ever added (those dropped included). */
  failures = 0;
  #first: MutableRecord | undefined;
  readonly #ring: MutableRecord[] = [];
  #next = 0;

  add(record: MutableRecord): void {
    this.count += 1;
    if (record.failed) this.failures += 1;
    if (this.#first === undefined) {
      this.#first = record;
      return;
    }
    if (this.#ring.length < KEPT_LAST_ATTEMPTS) this.#ring.push(record);
    else this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % KEPT_LAST_ATTEMPTS;
  }

  /** How many records are held (at most `1 + KEPT_LAST_ATTEMPTS`). */
  get size(): number {
    return (this.#first === undefined ? 0 : 1) + this.#ring.length;
  }

  /** The kept records, oldest first, each frozen. */
  kept(): AttemptRecord[] {
    const ring = this.#ring;
    const ordered =
      ring.length < KEPT_LAST_ATTEMPTS
        ? ring
        : [...ring.slice(this.#next), ...ring.slice(0, this.#next)];
    const out = this.#first === undefined ? [] : [this.#first, ...ordered];
    return out.map((r) => Object.freeze(r));
  }
}
