import type { MemberState } from '../events.js';

const STATES: ReadonlySet<string> = new Set([
  'closed',
  'open',
  'half-open',
  'isolated',
  'disabled',
]);

/** Open or half-open: the member's own breaker found the dependency failing. */
const reportsOpen = (state: string): boolean => state === 'open' || state === 'half-open';

/** A member state as published, or undefined when it is not one. */
export function memberState(value: unknown): MemberState | undefined {
  return typeof value === 'string' && STATES.has(value) ? (value as MemberState) : undefined;
}

/**
 * This process's picture of the fleet: every live member's state, each until a local expiry
 * (refreshed by heartbeats and messages), so a picture Redis no longer refreshes fades away.
 */
export class FleetView {
  readonly #members = new Map<string, { state: MemberState; expires: number }>();

  constructor(readonly ttl: number) {}

  /** Replaces the picture with a heartbeat's answer (`[id, state, id, state, ...]`). */
  replace(flat: readonly unknown[], now: number): void {
    this.#members.clear();
    for (let i = 0; i + 1 < flat.length; i += 2) this.set(String(flat[i]), flat[i + 1], now);
  }

  /** One member's news; `'left'` (or anything not a state) removes it. */
  set(id: string, state: unknown, now: number): void {
    const known = memberState(state);
    if (known === undefined) this.#members.delete(id);
    else this.#members.set(id, { state: known, expires: now + this.ttl });
  }

  /** Forgets everything (Redis out of reach for too long). */
  clear(): void {
    this.#members.clear();
  }

  /** Live members and those reporting open, at `now` (expired ones are dropped). */
  count(now: number): { live: number; open: number } {
    let open = 0;
    for (const [id, m] of this.#members) {
      if (m.expires <= now) this.#members.delete(id);
      else if (reportsOpen(m.state)) open++;
    }
    return { live: this.#members.size, open };
  }
}

/**
 * True when `open` of `live` members is a quorum: at least `min` and at least `ratio · live`.
 * Compared as `open / live` (as the breaker compares its failure ratio): the product can round
 * up past a whole count (0.07 × 100 is 7.000000000000001), so exactly `ratio` would fall short.
 */
export function isQuorum(open: number, live: number, min: number, ratio: number): boolean {
  return open >= min && open / live >= ratio;
}
