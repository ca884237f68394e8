// The writer a family's samples go through lives here, not in prometheus-sources.ts, because
// prometheus-shed.ts writes through it too and prometheus-sources.ts imports that: keeping it
// apart keeps the package's imports one-way.

/** Writes one sample of a family: `extra` is more labels, each starting with a comma. */
export type Family = (metric: string, help: string, value: number, extra?: string) => void;
