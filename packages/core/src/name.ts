const counters = new Map<string, number>();

/**
 * A default instance name, `kind#n`, unique per kind in this process. Used when an option
 * `name` is not given, so events, errors and metrics always name their source.
 */
export function defaultName(kind: string): string {
  const n = (counters.get(kind) ?? 0) + 1;
  counters.set(kind, n);
  return `${kind}#${n}`;
}
