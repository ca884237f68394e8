import { type Disposable, onAbort, toDisposable } from '@dyno/core';
import type { CircuitState } from '../events.js';
import type { CircuitSnapshot, WindowSnapshot } from '../snapshot.js';
import type { Config } from './config.js';

/** What a half-open circuit does after a counted probe outcome. */
export type ProbeVerdict = 'stay' | 'reopen' | 'close';

/**
 * The bookkeeping of a circuit that has left the closed state: made on its first trip, so a
 * breaker that never tripped carries one empty field instead of seven.
 */
export class Trip {
  // open: when probes may start
  at = 0;
  // failed probes in a row, which drive the backoff
  reopens = 0;
  // the start times of the running half-open probes, oldest first: each probe is judged hung
  // from its own start
  readonly running: number[] = [];
  // counted probe outcomes in this half-open state
  successes = 0;
  failures = 0;
  // live `isolate()` disposables of this isolated state
  isolations = 0;
  reason: unknown = undefined;
  // the signals of running probes: a probe that never ends (hung, its permit lost) must not keep
  // its listener on a long-lived signal once the state it probed is gone
  #watches: Set<ProbeWatch> | undefined;

  /** A new state began: no probe runs, none was counted, nothing isolates it yet. */
  enter(): void {
    this.running.length = 0;
    this.successes = 0;
    this.failures = 0;
    this.isolations = 0;
    // each disposal takes its watch out of the set
    for (const watch of this.#watches ?? []) watch.subscription.dispose();
  }

  /**
   * Watches a probe's signal; `release` gives its permit back once, when the caller aborts. The
   * watch ends when the probe does (its `subscription` is disposed) or when the state changes.
   */
  watchProbe(signal: AbortSignal, release: () => void): ProbeWatch {
    this.#watches ??= new Set();
    const watches = this.#watches;
    const watch: ProbeWatch = { released: false, subscription: undefined as never };
    const aborted = onAbort(signal, () => {
      watches.delete(watch);
      watch.released = true;
      release();
    });
    watch.subscription = toDisposable(() => {
      watches.delete(watch);
      aborted.dispose();
    });
    watches.add(watch);
    return watch;
  }

  /** Takes a probe permit at `now` if one is free; `false` when every permit is taken. */
  admitProbe(now: number, config: Config): boolean {
    if (this.running.length >= this.probeLimit(config)) return false;
    // the clock is monotonic, so the list stays oldest first
    this.running.push(now);
    return true;
  }

  /** A probe that started at `start` ended (counted or not): its permit is free again. */
  endProbe(start: number): void {
    const i = this.running.indexOf(start);
    if (i !== -1) this.running.splice(i, 1);
  }

  /** True when the oldest running probe has run for `wait` ms without an answer. */
  hung(now: number, wait: number): boolean {
    const oldest = this.running[0];
    return oldest !== undefined && now - oldest >= wait;
  }

  /**
   * Counts one probe outcome and answers `'stay'`, `'reopen'` or `'close'`. By default the first
   * failure re-opens and `halfOpenSuccesses` successes close. With `halfOpenRatio`, the first
   * `calls` outcomes are judged together (failures / calls >= threshold re-opens, else it
   * closes), decided as soon as the remaining outcomes can no longer change the verdict.
   */
  judge(failure: boolean, config: Config): ProbeVerdict {
    const calls = config.halfOpenCalls;
    if (calls === 0) {
      if (failure) return 'reopen';
      return ++this.successes >= config.halfOpenSuccesses ? 'close' : 'stay';
    }
    if (failure) this.failures++;
    else this.successes++;
    const threshold = config.halfOpenThreshold;
    if (this.failures / calls >= threshold) return 'reopen';
    // even if every outcome still to come failed, the ratio would stay under the threshold
    if ((calls - this.successes) / calls < threshold) return 'close';
    return 'stay';
  }

  /** Probes that may run at once: with `halfOpenRatio`, no more than outcomes still needed. */
  probeLimit(config: Config): number {
    const calls = config.halfOpenCalls;
    if (calls === 0) return config.halfOpenProbes;
    return Math.min(config.halfOpenProbes, calls - this.successes - this.failures);
  }

  /** A closed circuit opened at `now`: the base open duration, the backoff starts again. */
  opened(reason: unknown, now: number, config: Config): void {
    this.reopens = 0;
    this.#openUntil(reason, now, config);
  }

  /** A probe failed: open again, and the next wait grows with the failed probes in a row. */
  reopened(reason: unknown, now: number, config: Config): void {
    this.reopens++;
    this.#openUntil(reason, now, config);
  }

  #openUntil(reason: unknown, now: number, config: Config): void {
    this.at = now + this.openDuration(config);
    this.reason = reason;
  }

  /** The circuit closed: the backoff and the reason are forgotten. */
  closed(): void {
    this.reopens = 0;
    this.reason = undefined;
  }

  /** The open duration after `reopens` failed probes in a row, backed off and capped. */
  openDuration(config: Config): number {
    const { openDuration, backoffFactor, maxOpenDuration } = config;
    return Math.min(maxOpenDuration, openDuration * backoffFactor ** this.reopens);
  }

  /** Loads a saved circuit at `now` and answers the state to start in. */
  restore(s: CircuitSnapshot, config: Config, now: number): CircuitState {
    this.reopens = s.reopenCount;
    if (s.state === 'open') {
      this.at = now + Math.min(s.openRemaining, this.openDuration(config));
      return 'open';
    }
    return s.state === 'half-open' ? 'half-open' : 'closed';
  }
}

/**
 * A circuit as plain JSON at `now`; an isolated one is saved as open for a full duration, a
 * disabled one as closed (isolating and disabling belong to whoever did it).
 */
export function saveCircuit(
  state: CircuitState,
  trip: Trip | undefined,
  config: Config,
  now: number,
  window: WindowSnapshot,
): CircuitSnapshot {
  const saved = state === 'isolated' ? 'open' : state === 'disabled' ? 'closed' : state;
  return {
    version: 1,
    state: saved as 'closed' | 'open' | 'half-open',
    openRemaining:
      state === 'open'
        ? (trip as Trip).at - now
        : state === 'isolated'
          ? (trip as Trip).openDuration(config)
          : 0,
    reopenCount: trip === undefined ? 0 : trip.reopens,
    window,
  };
}

/** The epoch of a probe whose permit was already given back: it matches no epoch. */
export const RELEASED = -1;

/** A half-open probe made with a signal: its permit goes back as soon as the caller aborts. */
export interface ProbeWatch {
  released: boolean;
  subscription: Disposable;
}
