import type { UpstreamTimings } from './upstream.js';

/** The timings of one demo run, in ms. */
export interface DemoSettings extends UpstreamTimings {
  readonly healthy: number;
  readonly outage: number;
  readonly recovered: number;
  /** One call starts every `interval` ms (steady, open-loop load). */
  readonly interval: number;
  /** How often a line is printed. */
  readonly tick: number;
  /** The client's deadline per attempt. */
  readonly timeout: number;
  /** The breaker's rolling window and how long it stays open before probing. */
  readonly window: number;
  readonly openDuration: number;
  readonly minimumCalls: number;
}

/** The default run: about 22 s, one line per second. */
export const NORMAL: DemoSettings = Object.freeze({
  healthy: 6_000,
  outage: 8_000,
  recovered: 8_000,
  interval: 20,
  tick: 1_000,
  timeout: 250,
  window: 2_000,
  openDuration: 1_500,
  minimumCalls: 10,
  fast: 20,
  slow: 2_000,
  failRatio: 0.6,
});

/**
 * The fast mode run by the test suite: about 4 s on real time (the HTTP is real). Each phase
 * is many timeouts and open durations long, so a loaded machine still sees every transition.
 */
export const FAST: DemoSettings = Object.freeze({
  healthy: 800,
  outage: 1_400,
  recovered: 1_600,
  interval: 10,
  tick: 500,
  timeout: 150,
  window: 500,
  openDuration: 250,
  minimumCalls: 5,
  fast: 8,
  slow: 1_000,
  failRatio: 0.6,
});
