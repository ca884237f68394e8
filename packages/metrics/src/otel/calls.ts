import type { Disposable } from '@dyno/core';
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import type { Metrics } from '../metrics.js';
import { OUTCOMES, type OutcomeCounts } from '../outcome.js';

const KEYS: readonly (keyof OutcomeCounts)[] = [
  'success',
  'failure',
  'timeout',
  'shortCircuited',
  'rejected',
  'fallbackSuccess',
  'fallbackFailure',
];

/**
 * The synchronous instruments, `calls` and `call.duration`, fed by one `onOutcome` listener per
 * attached `Metrics` (attributes made once per outcome). It remembers, per `Metrics`, the
 * outcomes already added to `calls`, so a `Metrics` that leaves the source and comes back adds
 * only what it counted meanwhile, never twice; its durations while away are not recorded.
 */
export class CallInstruments {
  readonly #calls: Counter;
  readonly #duration: Histogram;
  readonly #attached = new Map<Metrics, Disposable>();
  readonly #counted = new WeakMap<Metrics, Float64Array>();

  constructor(calls: Counter, duration: Histogram) {
    this.#calls = calls;
    this.#duration = duration;
  }

  /** Starts reporting the outcomes of `m` (a no-op when attached already or disposed). */
  attach(m: Metrics): void {
    if (this.#attached.has(m) || m.disposed) return;
    const calls = this.#calls;
    const duration = this.#duration;
    const attributes: Attributes[] = OUTCOMES.map((outcome) => ({
      'dyno.name': m.name,
      'dyno.outcome': outcome,
    }));
    let done = this.#counted.get(m);
    if (done === undefined) {
      done = new Float64Array(KEYS.length);
      this.#counted.set(m, done);
    }
    const totals = m.snapshot().totals;
    KEYS.forEach((key, i) => {
      const missed = totals[key] - (done[i] as number);
      if (missed > 0) calls.add(missed, attributes[i]);
      done[i] = totals[key];
    });
    const sub = m.onOutcome((e) => {
      const i = OUTCOMES.indexOf(e.outcome);
      const a = attributes[i];
      done[i] = (done[i] as number) + 1;
      calls.add(1, a);
      if (e.latency !== undefined) duration.record(e.latency / 1000, a);
    });
    this.#attached.set(m, sub);
  }

  /**
   * Lets go of every `Metrics` not in `live` (disposed, deleted or evicted from a registry,
   * taken out of a list): an evicted entry is not disposed, and holding it here would keep it
   * (and its histograms) alive for as long as the bridge runs.
   */
  detachAllBut(live: ReadonlySet<Metrics>): void {
    for (const [m, sub] of this.#attached) {
      if (live.has(m)) continue;
      sub.dispose();
      this.#attached.delete(m);
    }
  }

  /** Lets go of every `Metrics`. */
  dispose(): void {
    for (const sub of this.#attached.values()) sub.dispose();
    this.#attached.clear();
  }
}
