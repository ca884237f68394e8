import { is, resolveOptions } from '@dyno/core';
import { readDuration } from './internal/read-duration.js';
import type { IntervalView } from './internal/tree-view.js';

/** Options of `PerfTimer.serverTiming`. */
export interface ServerTimingOptions {
  /**
   * Leave out nodes deeper than this below the timer (0: the timer alone).
   * @default no limit
   */
  readonly maxDepth?: number | undefined;
  /**
   * Keep at most this many metrics: the longest intervals first, then marks (in tree order),
   * written in tree order.
   * @default no limit
   */
  readonly maxEntries?: number | undefined;
  /**
   * Keep the value within this many bytes (proxies drop or truncate large headers): metrics are
   * taken in the `maxEntries` ranking, each one that would not fit is left out.
   * @default no limit
   */
  readonly maxBytes?: number | undefined;
}

/** The defaults of `ServerTimingOptions`. */
export const DEFAULT_SERVER_TIMING_OPTIONS: Readonly<Required<ServerTimingOptions>> = Object.freeze(
  {
    maxDepth: Number.MAX_SAFE_INTEGER,
    maxEntries: Number.MAX_SAFE_INTEGER,
    maxBytes: Number.MAX_SAFE_INTEGER,
  },
);

const RULES = { maxDepth: is.integer(0), maxEntries: is.integer(0), maxBytes: is.integer(0) };

/** One metric of the header: its text, and the duration that ranks it (none for a mark). */
interface Metric {
  readonly text: string;
  readonly duration: number | undefined;
}

/**
 * A `Server-Timing` header value for `root`'s subtree, in pre-order: `name;dur=<ms>` per started
 * interval (running ones measured to now) and `name` per mark. Names are made valid tokens by
 * percent-encoding every other byte of their UTF-8 (and `%` itself); a name that needed it also
 * gets `desc="<name>"` as a quoted-string. Intervals never started are left out. `maxEntries`
 * and `maxBytes` keep the longest intervals that fit.
 */
export function serverTiming(root: IntervalView, options?: ServerTimingOptions): string {
  const { maxDepth, maxEntries, maxBytes } = resolveOptions(
    '@dyno/timing',
    options,
    RULES,
    DEFAULT_SERVER_TIMING_OPTIONS,
  );
  const metrics: Metric[] = [];
  for (const node of root.walk()) {
    if (node.depth - root.depth > maxDepth) continue;
    const duration = node.kind === 'mark' ? undefined : readDuration(node);
    if (node.kind === 'interval' && duration === undefined) continue;
    const name = token(node.name);
    let text = duration === undefined ? name : `${name};dur=${milliseconds(duration)}`;
    if (name !== node.name) text += `;desc=${quoted(node.name)}`;
    metrics.push({ text, duration });
  }
  const kept = within(metrics, maxEntries, maxBytes);
  return kept.map((m) => m.text).join(', ');
}

/**
 * The metrics that fit the budget, in their original order: taken longest first (marks last,
 * ties in tree order), each one that would pass `maxBytes` skipped, until `maxEntries` are kept.
 * The value is ASCII, so its length is its size in bytes.
 */
function within(metrics: readonly Metric[], maxEntries: number, maxBytes: number): Metric[] {
  let bytes = -2; // the first metric has no ", " before it
  for (const m of metrics) bytes += m.text.length + 2;
  if (metrics.length <= maxEntries && bytes <= maxBytes) return metrics as Metric[];
  const ranked = metrics
    .map((metric, index) => ({ metric, index }))
    .sort((a, b) => byRank(a.metric, b.metric) || a.index - b.index);
  const keep = new Set<number>();
  let size = -2;
  for (const { metric, index } of ranked) {
    if (keep.size === maxEntries) break;
    const next = size + metric.text.length + 2;
    if (next > maxBytes) continue;
    size = next;
    keep.add(index);
  }
  return metrics.filter((_, index) => keep.has(index));
}

/** Orders metrics longest interval first, marks after every interval. */
function byRank(a: Metric, b: Metric): number {
  if (a.duration === undefined || b.duration === undefined) {
    return (a.duration === undefined ? 1 : 0) - (b.duration === undefined ? 1 : 0);
  }
  return b.duration - a.duration;
}

const encoder = new TextEncoder();

// tchar from RFC 9110 5.6.2, minus `%`, which is kept for the escapes
const TCHAR = /^[!#$&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN = /^[!#$&'*+\-.^_`|~0-9A-Za-z]+$/;

function percent(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** `name` as an RFC 9110 token: bytes outside tchar (and `%`) percent-encoded. */
export function token(name: string): string {
  if (TOKEN.test(name)) return name;
  let out = '';
  for (const byte of encoder.encode(name)) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && TCHAR.test(char) ? char : percent(byte);
  }
  return out;
}

/**
 * `text` as an RFC 9110 quoted-string: `"` and `\` backslash-escaped; controls and non-ASCII
 * percent-encoded as UTF-8, since a header value carries only visible ASCII safely.
 */
export function quoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code === 0x09 || (code >= 0x20 && code <= 0x7e)) out += char;
    else for (const byte of encoder.encode(char)) out += percent(byte);
  }
  return `${out}"`;
}

/** ms with at most three decimals and never an exponent (`dur` must be a plain decimal). */
function milliseconds(ms: number): string {
  const rounded = Math.round(ms * 1000) / 1000;
  if (rounded === 0) return '0';
  // `toFixed` writes an exponent from 1e21 on; a double that large is a whole number
  if (Number.isFinite(rounded) && Math.abs(rounded) >= 1e21) return BigInt(rounded).toString();
  return rounded.toFixed(3).replace(/\.?0+$/, '');
}
