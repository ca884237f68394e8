import { is, resolveOptions } from '@dyno/core';
import type { PerfTimer } from './perf-timer.js';

/** Options of `PerfTimer.serverTiming`. */
export interface ServerTimingOptions {
  /**
   * Leave out nodes deeper than this below the timer (0: the timer alone).
   * @default no limit
   */
  readonly maxDepth?: number | undefined;
}

/** The defaults of `ServerTimingOptions`. */
export const DEFAULT_SERVER_TIMING_OPTIONS: Readonly<Required<ServerTimingOptions>> = Object.freeze(
  {
    maxDepth: Number.MAX_SAFE_INTEGER,
  },
);

const RULES = { maxDepth: is.integer(0) };

/**
 * A `Server-Timing` header value for `root`'s subtree, in pre-order: `name;dur=<ms>` per started
 * interval (running ones measured to now) and `name` per mark. Names are made valid tokens by
 * percent-encoding every other byte of their UTF-8 (and `%` itself); a name that needed it also
 * gets `desc="<name>"` as a quoted-string. Intervals never started are left out.
 */
export function serverTiming(root: PerfTimer, options?: ServerTimingOptions): string {
  const { maxDepth } = resolveOptions(
    '@dyno/timing',
    options,
    RULES,
    DEFAULT_SERVER_TIMING_OPTIONS,
  );
  const metrics: string[] = [];
  for (const node of root.walk()) {
    if (node.depth - root.depth > maxDepth) continue;
    const duration = node.kind === 'mark' ? undefined : node.duration;
    if (node.kind === 'interval' && duration === undefined) continue;
    const name = token(node.name);
    let metric = duration === undefined ? name : `${name};dur=${milliseconds(duration)}`;
    if (name !== node.name) metric += `;desc=${quoted(node.name)}`;
    metrics.push(metric);
  }
  return metrics.join(', ');
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
  return rounded === 0 ? '0' : rounded.toFixed(3).replace(/\.?0+$/, '');
}
