import { check, is, type Rules, validate } from '@dyno/core';

/** Settings shared by every adaptive limit. */
interface AdaptiveLimitBase {
  /**
   * The limit the pool starts with (an integer from `min` to `max`).
   * @default 10, moved into `[min, max]`
   */
  readonly initial?: number;
  /**
   * The lowest the limit goes (an integer ≥ 1).
   * @default 1
   */
  readonly min?: number;
  /**
   * The highest the limit goes (an integer ≥ `min`).
   * @default 200 (Netflix concurrency-limits)
   */
  readonly max?: number;
}

/**
 * Additive increase, multiplicative decrease (TCP Reno's rule, Netflix's `AIMDLimit`): a call
 * that times out (or takes longer than `slowCall`) multiplies the limit by `backoff`; any other
 * successful call adds 1 while the pool is at least half used.
 */
export interface AimdLimit extends AdaptiveLimitBase {
  readonly algorithm: 'aimd';
  /**
   * What the limit is multiplied by after a drop (a timeout, or a call slower than `slowCall`):
   * a number greater than 0 and below 1.
   * @default 0.9 (Netflix concurrency-limits)
   */
  readonly backoff?: number;
  /**
   * A successful call that held its slot longer than this, in ms, counts as a drop; `false`:
   * only timeouts do.
   * @default false
   */
  readonly slowCall?: number | false;
}

/**
 * A latency gradient in the style of Netflix's `Gradient2Limit`: the limit follows
 * `limit × clamp(long-term latency ÷ latest latency, 0.5, 1) + queueSize`, smoothed. When calls
 * slow down against their long-term average the limit falls (by at most half per step); while
 * they stay as fast it grows by `queueSize × smoothing` per call.
 */
export interface GradientLimit extends AdaptiveLimitBase {
  readonly algorithm: 'gradient';
  /**
   * How far each sample moves the limit toward its new estimate (greater than 0, at most 1; 1
   * takes the estimate as it is).
   * @default 0.1 (Netflix uses 0.2; at a few hundred calls a second 0.2 made the limit swing
   * by ±40 % in our overload experiment, 0.1 halved its p99)
   */
  readonly smoothing?: number;
  /**
   * The time constant of the long-term latency average, in ms (an exponential moving average
   * over time; the first 10 samples are a plain mean). It is how long the limit resists a
   * slower dependency before taking its latency as the new normal, whatever the traffic.
   * @default 30000
   */
  readonly window?: number;
  /**
   * The headroom added to the estimate: how many calls may queue at the dependency above what
   * the latencies show it serves. A finite number ≥ 0.
   * @default 4 (Netflix concurrency-limits)
   */
  readonly queueSize?: number;
}

/** An adaptive concurrency limit: the `concurrency` of a `Pool` that moves with latency. */
export type AdaptiveLimit = AimdLimit | GradientLimit;

/** The defaults of `AimdLimit` (`initial` defaults to 10 moved into `[min, max]`). */
export const DEFAULT_AIMD_LIMIT: Readonly<Required<Omit<AimdLimit, 'initial'>>> = Object.freeze({
  algorithm: 'aimd',
  min: 1,
  max: 200,
  backoff: 0.9,
  slowCall: false,
});

/** The defaults of `GradientLimit` (`initial` defaults to 10 moved into `[min, max]`). */
export const DEFAULT_GRADIENT_LIMIT: Readonly<Required<Omit<GradientLimit, 'initial'>>> =
  Object.freeze({
    algorithm: 'gradient',
    min: 1,
    max: 200,
    smoothing: 0.1,
    window: 30_000,
    queueSize: 4,
  });

/** The limit a pool starts with when `initial` is left out (the fixed default). */
const DEFAULT_INITIAL = 10;
const PKG = '@dyno/pool';
const count = is.integer(1, 2 ** 31 - 1);
const base = { algorithm: is.oneOf('aimd', 'gradient'), initial: count, min: count, max: count };

const AIMD_RULES: Rules<AimdLimit> = {
  ...base,
  backoff: Object.freeze({
    expected: 'a finite number greater than 0 and less than 1',
    test: (v: unknown) => (typeof v !== 'number' ? 'type' : v > 0 && v < 1 ? undefined : 'range'),
  }),
  slowCall: is.either(is.duration(0, true), is.oneOf(false)),
};

const GRADIENT_RULES: Rules<GradientLimit> = {
  ...base,
  smoothing: is.number(0, 1, true),
  window: is.duration(0, true),
  queueSize: is.number(0, 1e9),
};

/**
 * Validates an adaptive limit given as `option` (`concurrency`) and returns it with every
 * default filled in, frozen.
 * @throws TypeError (wrong kind, unknown key, unknown algorithm kind) or RangeError (out of range,
 * `min` above `max`, `initial` outside `[min, max]`)
 * @internal
 */
export function resolveAdaptive(value: object, option: string): Required<AdaptiveLimit> {
  const algorithm = (value as { algorithm?: unknown }).algorithm;
  check(PKG, `${option}.algorithm`, algorithm, base.algorithm);
  const aimd = algorithm === 'aimd';
  const rules = (aimd ? AIMD_RULES : GRADIENT_RULES) as unknown as Rules<Record<string, unknown>>;
  const given = validate(PKG, value, rules, `${option}.`) as Record<string, unknown>;
  const defaults: Record<string, unknown> = aimd ? DEFAULT_AIMD_LIMIT : DEFAULT_GRADIENT_LIMIT;
  const resolved: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(given)) if (given[key] !== undefined) resolved[key] = given[key];
  const min = resolved.min as number;
  const max = resolved.max as number;
  if (min > max) {
    throw new RangeError(
      `${PKG}: option \`${option}.max\` must be at least \`min\` (${min}); received ${max}`,
    );
  }
  if (resolved.initial === undefined) {
    resolved.initial = Math.min(max, Math.max(min, DEFAULT_INITIAL));
  } else {
    check(PKG, `${option}.initial`, resolved.initial, is.integer(min, max));
  }
  return Object.freeze(resolved) as Required<AdaptiveLimit>;
}
