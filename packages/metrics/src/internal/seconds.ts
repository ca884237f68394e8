const cache = new WeakMap<readonly number[], readonly number[]>();

/**
 * Latency boundaries in ms as seconds, for the Prometheus `le` labels and the OpenTelemetry
 * bucket advice. Each is the number written with its decimal point moved three places (33.3 ms
 * is 0.0333 s), not `ms / 1000`, whose binary rounding can print as 0.033299999999999996; if
 * that ever made two boundaries equal, the plain quotients are used.
 */
export function boundariesInSeconds(boundaries: readonly number[]): readonly number[] {
  let seconds = cache.get(boundaries);
  if (seconds === undefined) {
    const shifted = boundaries.map((ms) => {
      const [mantissa, exponent = '0'] = String(ms).split('e');
      return Number(`${mantissa}e${Number(exponent) - 3}`);
    });
    const ascending = shifted.every((s, i) => i === 0 || s > (shifted[i - 1] as number));
    seconds = Object.freeze(ascending ? shifted : boundaries.map((ms) => ms / 1000));
    cache.set(boundaries, seconds);
  }
  return seconds;
}
