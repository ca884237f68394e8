import type { AdaptiveLimit, AimdLimit, GradientLimit } from '../adaptive.js';

/** One finished call, as an adaptive limit sees it. */
export interface LimitSample {
  /** How long the call held its slot, in ms. */
  readonly rtt: number;
  /** How many calls ran (this one included). */
  readonly inflight: number;
  /** Whether it timed out. */
  readonly dropped: boolean;
  /** The clock's time. */
  readonly now: number;
}

/** An adaptive limit's state: fed one sample per finished call, it answers the new limit. */
export interface LimitAlgorithm {
  /** The current limit estimate, within `[min, max]` (the pool uses its integer part). */
  readonly estimate: number;
  /** Takes one finished call into account; returns the new estimate. */
  sample(sample: LimitSample): number;
}

/** Makes the state of a resolved (validated, defaults filled) adaptive limit. */
export function makeAlgorithm(limit: Required<AdaptiveLimit>): LimitAlgorithm {
  return limit.algorithm === 'aimd'
    ? new Aimd(limit as Required<AimdLimit>)
    : new Gradient(limit as Required<GradientLimit>);
}

const clamp = (value: number, min: number, max: number): number =>
  Math.min(Math.max(value, min), max);

/** Additive increase (1 per call while at least half used), multiplicative decrease on drops. */
class Aimd implements LimitAlgorithm {
  estimate: number;
  readonly #settings: Required<AimdLimit>;

  constructor(settings: Required<AimdLimit>) {
    this.#settings = settings;
    this.estimate = settings.initial;
  }

  sample({ rtt, inflight, dropped }: LimitSample): number {
    const s = this.#settings;
    let next = this.estimate;
    if (dropped || (s.slowCall !== false && rtt > s.slowCall)) next *= s.backoff;
    // grow only when the limit is what holds calls back (Netflix's "app-limited" rule)
    else if (inflight * 2 >= next) next += 1;
    this.estimate = clamp(next, s.min, s.max);
    return this.estimate;
  }
}

// samples averaged plainly before the long-term average becomes exponential
const WARMUP = 10;

/** The latency gradient (Gradient2 style): see `GradientLimit`. */
class Gradient implements LimitAlgorithm {
  estimate: number;
  readonly #settings: Required<GradientLimit>;
  #long = 0;
  #samples = 0;
  #at = 0;

  constructor(settings: Required<GradientLimit>) {
    this.#settings = settings;
    this.estimate = settings.initial;
  }

  // a timeout is a sample like any other: its latency (the deadline) pulls the limit down
  sample({ rtt, inflight, now }: LimitSample): number {
    // a latency the clock could not measure says nothing, and would poison the long-term
    // average, so the limit: NaN, or 0 from a clock that did not move (the pool's clock counts a
    // reading that is not a number, or a step back, as no time passed; every call running over
    // a step back would read 0 and drag the average down tenfold per 22 calls)
    if (!(rtt > 0 && rtt < Number.POSITIVE_INFINITY)) return this.estimate;
    const s = this.#settings;
    let long = this.#long;
    if (this.#samples < WARMUP) {
      this.#samples++;
      long += (rtt - long) / this.#samples;
    } else {
      // an average over time, not over samples: how long an overload takes to be accepted as
      // the new normal must not shrink as traffic grows
      // (no time passed if the clock went back since the last sample)
      long += (rtt - long) * (1 - Math.exp(Math.min(0, this.#at - now) / s.window));
    }
    this.#at = now;
    // after a long overload the average stays high while calls are fast again: bring it down
    // faster than the average would, or the limit would let queues build for a long time
    if (long > 2 * rtt) long *= 0.9;
    this.#long = long;
    const estimate = this.estimate;
    // with less than half the limit in use, latency says nothing about the limit
    if (inflight < estimate / 2) return estimate;
    // slower than the long-term average: shrink (by half at most, so an outlier cannot crash
    // the limit); as fast or faster: keep the limit and add the headroom
    const gradient = rtt <= long ? 1 : Math.max(0.5, long / rtt);
    const target = estimate * gradient + s.queueSize;
    const next = estimate + (target - estimate) * s.smoothing;
    this.estimate = clamp(next, s.min, s.max);
    return this.estimate;
  }
}
