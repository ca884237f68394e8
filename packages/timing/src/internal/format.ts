// from the largest; anything below 1 uS, zero included, is shown in nS
const UNITS: readonly (readonly [string, number])[] = [
  ['S', 1000],
  ['mS', 1],
  ['uS', 1e-3],
];

/**
 * A time in ms as the seed's timeline shows it: three decimals in the largest unit where it
 * reads at least 1 (S, mS, uS), else in nS. Zero and sub-nanosecond values read `0.000 nS`
 * (the seed crashed on them), and rounding never shows `1000.000` of a unit.
 */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  for (const [unit, scale] of UNITS) {
    const rounded = Math.round((abs / scale) * 1000) / 1000;
    if (rounded >= 1) return `${sign}${rounded.toFixed(3)} ${unit}`;
  }
  return `${sign}${(Math.round(abs * 1e9) / 1000).toFixed(3)} nS`;
}

/** Replaces control characters so that a name cannot break a line of the timeline. */
export function printable(name: string): string {
  if (!hasControl(name)) return name;
  let out = '';
  for (const char of name) {
    const code = char.codePointAt(0) as number;
    out += code < 0x20 || code === 0x7f ? '?' : char;
  }
  return out;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
