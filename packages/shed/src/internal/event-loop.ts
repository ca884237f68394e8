import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type Clock, format } from '@dyno/core';

// the monitor's sampling period in ms (Node's default is 10)
const RESOLUTION = 10;

/**
 * The event-loop delay, read lazily: at most once per `interval` ms, by whoever asks, with no
 * timer of its own. The default source is a `monitorEventLoopDelay` histogram (the mean of its
 * samples since the last reading), enabled at construction and disabled by `close`: Node's monitor
 * timer is unref'd, so it never holds a process open anyway.
 */
export class EventLoopDelay {
  /** The delay last read, in ms. */
  value = 0;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #read: () => number;
  readonly #histogram: IntervalHistogram | undefined;
  #at: number;

  constructor(clock: Clock, interval: number, source: (() => number) | undefined) {
    this.#clock = clock;
    this.#interval = interval;
    this.#at = clock.now();
    if (source === undefined) {
      const histogram = monitorEventLoopDelay({ resolution: RESOLUTION });
      histogram.enable();
      this.#histogram = histogram;
      // the samples (count and sum, ns) at the last reading: the mean since then comes from the
      // running totals. A reset would also forget the monitor's last tick, so a block right after
      // a reading (the request that took it, every other one the same poll serves) would never
      // be measured, and a loop blocked all the time would read as idle
      let count = 0;
      let sum = 0;
      this.#read = () => {
        const samples = histogram.count - count;
        // no sample since the last reading (nor yet, when the mean is NaN): nothing new to tell
        if (samples <= 0) return this.value;
        const total = histogram.mean * histogram.count;
        const mean = (total - sum) / samples / 1e6;
        count = histogram.count;
        sum = total;
        // the histogram counts the sampling period itself in each delay
        return Math.max(0, mean - RESOLUTION);
      };
    } else {
      this.#read = source;
    }
  }

  /**
   * The delay in ms, read again when the last reading is `interval` ms old. The clock is the
   * shedder's steady one: a step back counts as no time passed, so a reading is never kept for
   * as long as the jump (which would shed every request, or none, that long).
   * @throws what the source threw, or a `TypeError`/`RangeError` for a reading that is not a
   * number of ms ≥ 0 (such a reading would switch shedding off or on silently)
   */
  current(): number {
    const now = this.#clock.now();
    if (now - this.#at >= this.#interval) {
      this.#at = now;
      this.value = checked(this.#read());
    }
    return this.value;
  }

  /** Stops the monitor (idempotent). */
  close(): void {
    this.#histogram?.disable();
  }
}

function checked(delay: unknown): number {
  if (typeof delay === 'number' && delay >= 0) return delay;
  const message = `@dyno/shed: \`eventLoopDelay\` must return a number of ms ≥ 0; received ${format(delay)}`;
  throw typeof delay === 'number' ? new RangeError(message) : new TypeError(message);
}
