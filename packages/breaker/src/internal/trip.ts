import { type Disposable, onAbort } from '@dyno/core';
import type { CircuitSnapshot, WindowSnapshot } from '../snapshot.js';
import type { Config } from './config.js';
import { CLOSED, HALF_OPEN, ISOLATED, OPEN, STATES } from './states.js';

/**
 * The bookkeeping of a circuit that has left the closed state: made on its first trip, so a
 * breaker that never tripped carries one empty field instead of six.
 */
export class Trip {
  // open: when probes may start; half-open: when the oldest running probe started
  at = 0;
  // failed probes in a row, which drive the backoff
  reopens = 0;
  // half-open probes running, and successful probes so far
  probes = 0;
  successes = 0;
  isolations = 0;
  reason: unknown = undefined;

  /** A new state began: no probe runs and none has succeeded. */
  enter(): void {
    this.probes = 0;
    this.successes = 0;
  }

  /** Takes a probe permit if one of `max` is free; the first probe starts the hung-probe wait. */
  admitProbe(now: number, max: number): boolean {
    if (this.probes >= max) return false;
    if (this.probes++ === 0) this.at = now;
    return true;
  }

  /** True when probes have run for `wait` ms without an answer. */
  hung(now: number, wait: number): boolean {
    return this.probes > 0 && now - this.at >= wait;
  }

  /** The circuit opened at `now`; a failed probe backs the open duration off. */
  opened(reason: unknown, now: number, failedProbe: boolean, config: Config): void {
    this.reopens = failedProbe ? this.reopens + 1 : 0;
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
  restore(s: CircuitSnapshot, config: Config, now: number): number {
    this.reopens = s.reopenCount;
    if (s.state === 'open') {
      this.at = now + Math.min(s.openRemaining, this.openDuration(config));
      return OPEN;
    }
    return s.state === 'half-open' ? HALF_OPEN : CLOSED;
  }
}

/** A circuit as plain JSON at `now`; an isolated one is saved as open for a full duration. */
export function saveCircuit(
  state: number,
  trip: Trip | undefined,
  config: Config,
  now: number,
  window: WindowSnapshot,
): CircuitSnapshot {
  return {
    version: 1,
    state: state === ISOLATED ? 'open' : (STATES[state] as 'closed' | 'open' | 'half-open'),
    openRemaining:
      state === OPEN
        ? (trip as Trip).at - now
        : state === ISOLATED
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

/** Watches a probe's signal; `release` gives its permit back once, when the caller aborts. */
export function watchProbe(signal: AbortSignal, release: () => void): ProbeWatch {
  const watch: ProbeWatch = { released: false, subscription: undefined as never };
  watch.subscription = onAbort(signal, () => {
    watch.released = true;
    release();
  });
  return watch;
}

/** Asks `isFailure`; a classifier that throws counts the outcome as a failure. */
export function classify(
  isFailure: NonNullable<Config['isFailure']>,
  value: unknown,
  isError: boolean,
): boolean {
  try {
    return isFailure(value, isError ? 'error' : 'result') === true;
  } catch (error) {
    // a broken classifier must not hide the outcome: count it as a failure, report the bug
    queueMicrotask(() => {
      throw error;
    });
    return true;
  }
}
