/** How the page writes numbers, rates, durations and percentages, and sets text cheaply. */

/** An event of the stream as it arrived, parsed: nothing in it is trusted. */
export type Json = Record<string, unknown>;

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A finite number, or 0 for anything else (a stream is not trusted to be well formed). */
export const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const count = (v: unknown): string => integer.format(n(v));
export const rate = (v: number): string => `${v >= 10 ? integer.format(v) : decimal.format(v)}/s`;
export const ms = (v: number): string =>
  v >= 1000 ? `${decimal.format(v / 1000)} s` : `${integer.format(v)} ms`;

/**
 * Whole percent from 10 % up (truncated, as Hystrix writes it), one decimal below, so a few
 * errors among many calls never read as 0 %.
 */
export function percent(v: number): string {
  if (v === 0 || v >= 10) return integer.format(Math.floor(v));
  return v < 0.1 ? '<0.1' : decimal.format(Math.floor(v * 10) / 10);
}

/** A window: "1 min", "10 s". */
export const span = (v: number): string =>
  v >= 60000 && v % 60000 === 0
    ? `${integer.format(v / 60000)} min`
    : `${decimal.format(v / 1000)} s`;

/** Writes text only when it changed, so an unchanged figure costs no layout. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function small(text: string): HTMLElement {
  const el = document.createElement('small');
  el.textContent = text;
  return el;
}
