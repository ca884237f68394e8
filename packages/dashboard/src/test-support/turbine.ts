/** How an aggregator writes a value that is not a number: Turbine's versions differ. */
export type Tally = 'map' | 'count' | 'string';

// Turbine keeps these as they are: they name what is aggregated.
const KEYS = new Set(['type', 'name', 'group', 'threadPool']);

function sum(values: readonly unknown[]): unknown {
  if (values.every((v) => typeof v === 'number')) {
    return (values as number[]).reduce((a, b) => a + b, 0);
  }
  if (values.every((v) => v !== null && typeof v === 'object')) {
    const out: Record<string, unknown> = {};
    const objects = values as Record<string, unknown>[];
    for (const key of Object.keys(objects[0] as object)) out[key] = sum(objects.map((o) => o[key]));
    return out;
  }
  return values;
}

function tally(values: readonly unknown[], as: Tally): unknown {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  if (as === 'map') return counts;
  if (as === 'count') return counts.true ?? 0;
  return Object.entries(counts)
    .map(([k, n]) => `${k}:${n}`)
    .join(',');
}

/**
 * What a Turbine cluster stream says for one name reported by several hosts: every number
 * summed (`reportingHosts` too, each host saying 1; latency maps key by key), every other value
 * counted per value, in the form `as` asks for (a map `{ "true": 2, "false": 1 }`, the count of
 * `true`, or a string `"true:2,false:1"`).
 */
export function turbine(
  hosts: readonly Record<string, unknown>[],
  as: Tally = 'map',
): Record<string, unknown> {
  const first = hosts[0] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) {
    const values = hosts.map((h) => h[key]);
    if (KEYS.has(key)) out[key] = first[key];
    else {
      const summed = sum(values);
      out[key] = summed === values ? tally(values, as) : summed;
    }
  }
  return out;
}
