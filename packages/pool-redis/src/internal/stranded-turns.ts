/** How many keys may hold stranded turns before the expired ones are forgotten. */
const PRUNE_AT = 10_000;

interface Turn {
  /** The TAT its admission wrote. */
  readonly tat: number;
  /** Clock time after which the turn would have come anyway: no use keeping it. */
  readonly until: number;
}

/**
 * Turns of the local fallback (`LocalGcra`) whose callers stopped waiting while a later caller's
 * turn stood behind theirs, per key (Redis keeps its own: see `REFUND`). Such a turn cannot be
 * given back then (the later caller's wait was computed behind it), but it can once every turn
 * after it was: callers that leave in arrival order (the same timeout on every call) would
 * otherwise keep all their turns but the last spent, and the next callers would wait one turn for
 * each, and, timing out in turn, strand theirs too. Each give-back still checks that its turn is
 * the newest of its key.
 */
export class StrandedTurns {
  readonly #turns = new Map<string, Turn[]>();

  /** Keeps `tat` of `key` until `until` (clock time). */
  add(key: string, tat: number, until: number, now: number): void {
    // only the turns that can still come are kept, so a key that is never drained stays small
    let turns = this.#turns.get(key)?.filter((turn) => turn.until > now);
    if (turns === undefined && this.#turns.size >= PRUNE_AT) this.#prune(now);
    turns ??= [];
    this.#turns.set(key, turns);
    // newest (latest TAT) last, whatever order the callers left in
    let i = turns.length;
    while (i > 0 && (turns[i - 1] as Turn).tat > tat) i--;
    turns.splice(i, 0, { tat, until });
  }

  /** Takes the newest turn of `key` not yet expired, if any (the next to give back). */
  take(key: string, now: number): number | undefined {
    const turns = this.#turns.get(key);
    if (turns === undefined) return undefined;
    const turn = turns.pop();
    if (turns.length === 0) this.#turns.delete(key);
    return turn !== undefined && turn.until > now ? turn.tat : undefined;
  }

  #prune(now: number): void {
    for (const [key, turns] of this.#turns) {
      const kept = turns.filter((turn) => turn.until > now);
      if (kept.length === 0) this.#turns.delete(key);
      else this.#turns.set(key, kept);
    }
  }
}
