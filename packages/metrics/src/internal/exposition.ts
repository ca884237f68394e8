/** The two text formats a Prometheus scrape may ask for. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** The metric types the exporter writes. */
export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary';

interface Family {
  readonly help: string;
  readonly type: FamilyType;
  readonly unit: string;
  readonly samples: string[];
}

/** Escapes a label value: backslash, double quote and line feed (both formats). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A number as both formats write it. */
export function num(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/**
 * Families of samples, written once each with their HELP and TYPE, in the text format 0.0.4 or
 * in OpenMetrics 1.0 (where a counter's family name drops `_total`, HELP escapes quotes too, a
 * unit gets its `# UNIT` line and the text ends with `# EOF`).
 */
export class Exposition {
  readonly #families = new Map<string, Family>();

  /**
   * Adds one sample line (`name{labels} value`) to the family `metric` (for a counter, the
   * name with `_total`), creating the family the first time.
   */
  add(metric: string, type: FamilyType, help: string, sample: string, unit = ''): void {
    let family = this.#families.get(metric);
    if (family === undefined) {
      family = { help, type, unit, samples: [] };
      this.#families.set(metric, family);
    }
    family.samples.push(sample);
  }

  /** The whole exposition in `format`. */
  render(format: ExpositionFormat): string {
    const open = format === 'openmetrics';
    let out = '';
    for (const [metric, family] of this.#families) {
      const name = open && family.type === 'counter' ? metric.replace(/_total$/, '') : metric;
      const help = open
        ? family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
        : family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
      out += `# HELP ${name} ${help}\n# TYPE ${name} ${family.type}\n`;
      if (open && family.unit !== '') out += `# UNIT ${name} ${family.unit}\n`;
      out += `${family.samples.join('\n')}\n`;
    }
    return open ? `${out}# EOF\n` : out;
  }
}

/**
 * The format an `Accept` header asks for: OpenMetrics when it lists
 * `application/openmetrics-text` with a quality at least that of `text/plain`, the text format
 * when it lists `text/plain`, `fallback` when it names neither (no header, or only wildcards).
 */
export function negotiate(
  accept: string | undefined,
  fallback: ExpositionFormat,
): ExpositionFormat {
  if (accept === undefined) return fallback;
  let open = -1;
  let plain = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (!(quality > 0)) continue;
    if (type === 'application/openmetrics-text') open = Math.max(open, quality);
    else if (type === 'text/plain') plain = Math.max(plain, quality);
  }
  if (open >= 0 && open >= plain) return 'openmetrics';
  return plain >= 0 ? 'text' : fallback;
}
