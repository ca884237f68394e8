/** How many keys the local fallback holds before it forgets the ones whose bucket is full. */
const PRUNE_AT = 10_000;

/**
 * The same GCRA as the Redis script, in this process, for the `'local'` fallback: `step` ms per
 * admission, `burst` at once. Keys whose bucket is full again are forgotten when the map grows.
 */
export class LocalGcra {
  readonly #tats = new Map<string, number>();

  constructor(
    readonly step: number,
    readonly burst: number,
  ) {}

  /** The wait (>= 0, admitted) or minus the retry-after (refused), as the script decides. */
  decide(key: string, now: number, maxWait: number): number {
    const stored = this.#tats.get(key);
    const tat = stored === undefined || stored < now ? now : stored;
    const next = tat + this.step;
    const wait = next - this.burst * this.step - now;
    if (wait > maxWait) return -wait;
    if (stored === undefined && this.#tats.size >= PRUNE_AT) this.#prune(now);
    this.#tats.set(key, next);
    return Math.max(0, wait);
  }

  /** Gives back an admission when it is still the newest of its key; answers whether it did. */
  refund(key: string, tat: number): boolean {
    if (this.#tats.get(key) !== tat) return false;
    this.#tats.set(key, tat - this.step);
    return true;
  }

  /** The TAT of `key` (for `refund`), undefined when unknown. */
  tat(key: string): number | undefined {
    return this.#tats.get(key);
  }

  #prune(now: number): void {
    for (const [key, tat] of this.#tats) if (tat <= now) this.#tats.delete(key);
  }
}
