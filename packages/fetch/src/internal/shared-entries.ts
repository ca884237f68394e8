import { type Clock, reportListenerError } from '@dyno/core';
import { type Metrics, MetricsLimitError, type MetricsRegistry } from '@dyno/metrics';

// Per registry, how many origins of live clients hold each entry. Clients given one `name` and
// one registry share the entry of an origin, as `registry.get` of one name always answers the
// same entry: the last of them to forget the origin deletes it, not the first.
const holders = new WeakMap<MetricsRegistry, Map<string, number>>();

/**
 * The entry of `name`, held until `releaseEntry`; `undefined` when a registry bounded with
 * `whenFull: 'throw'` is full. The origin then goes unmeasured and its requests go on: a full
 * registry must not fail the calls it only counts. The refusal is reported as a listener's error
 * is (`@dyno/core`'s `onListenerError`), once per origin the client takes up.
 */
export function holdEntry(
  registry: MetricsRegistry,
  name: string,
  clock: Clock,
): Metrics | undefined {
  let metrics: Metrics;
  try {
    metrics = registry.get(name, { clock });
  } catch (error) {
    if (!MetricsLimitError.isInstance(error)) throw error;
    reportListenerError(error, `@dyno/fetch metrics of ${JSON.stringify(name)}`);
    return undefined;
  }
  let counts = holders.get(registry);
  if (counts === undefined) {
    counts = new Map();
    holders.set(registry, counts);
  }
  counts.set(name, (counts.get(name) ?? 0) + 1);
  return metrics;
}

/** Lets go of the entry of `name`; the last holder deletes it from the registry. */
export function releaseEntry(registry: MetricsRegistry, name: string): void {
  const counts = holders.get(registry);
  const held = counts?.get(name) ?? 0;
  if (held > 1) {
    counts?.set(name, held - 1);
    return;
  }
  counts?.delete(name);
  registry.delete(name);
}
