import { format, is, type Rule, validate } from '@dyno/core';
import {
  type ChaosOptions,
  DEFAULT_CHAOS_OPTIONS,
  FAULT_KINDS,
  type FaultKind,
  type OddThenable,
} from '../options.js';

export const PKG = '@dyno/chaos';

const rule = (expected: string, test: Rule['test']): Rule => ({ expected, test });

const DURATION = is.duration();
const MS = rule(`${DURATION.expected} or a [min, max] pair of them`, (v) => {
  if (typeof v === 'number') return DURATION.test(v);
  if (!Array.isArray(v) || v.length !== 2) return 'type';
  const [min, max] = v as unknown[];
  if (typeof min !== 'number' || typeof max !== 'number') return 'type';
  return DURATION.test(min) ?? DURATION.test(max) ?? (min <= max ? undefined : 'range');
});
const VALUES = rule('a non-empty array', (v) => {
  if (!Array.isArray(v)) return 'type';
  return v.length > 0 ? undefined : 'range';
});
const KINDS = rule('a non-empty array of "both", "twice", "throwAfter"', (v) => {
  if (!Array.isArray(v)) return 'type';
  const ok = v.length > 0 && v.every((k) => k === 'both' || k === 'twice' || k === 'throwAfter');
  return ok ? undefined : 'range';
});

const COMMON = { rate: is.ratio(), enabled: is.boolean };
const FAULT_RULES: Record<FaultKind, Record<string, Rule>> = {
  error: { ...COMMON, error: is.function },
  throwable: { ...COMMON, values: VALUES },
  syncThrow: { ...COMMON, error: is.function },
  latency: { ...COMMON, ms: MS },
  hang: COMMON,
  thenable: { ...COMMON, kinds: KINDS },
  result: { ...COMMON, value: is.function },
  abort: { ...COMMON, after: is.duration(), reason: is.function },
};
const TOP_RULES = {
  name: is.string,
  enabled: is.boolean,
  random: is.function,
  clock: is.clock,
  ...Object.fromEntries(FAULT_KINDS.map((k) => [k, is.object])),
} as Record<keyof ChaosOptions, Rule>;

/** Everything a fault needs besides its rate and switch, with defaults filled in. */
export interface FaultSettings {
  readonly error: (() => unknown) | undefined;
  readonly syncError: (() => unknown) | undefined;
  readonly values: readonly unknown[];
  readonly ms: readonly [number, number];
  readonly kinds: readonly OddThenable[];
  readonly value: (actual: unknown) => unknown;
  readonly after: number;
  readonly reason: (() => unknown) | undefined;
}

/** The checked options: rates and switches by kind, in draw order. */
export interface Config {
  readonly options: ChaosOptions;
  readonly rates: number[];
  readonly enabled: boolean[];
  readonly settings: FaultSettings;
}

const nothing = (): undefined => undefined;

/** Validates every option (each fault's object too) and the sum of the rates. */
export function configure(options: unknown): Config {
  const o = validate<ChaosOptions>(PKG, options, TOP_RULES);
  const faults = FAULT_KINDS.map(
    (k) => validate(PKG, o[k], FAULT_RULES[k], `${k}.`) as Record<string, unknown>,
  );
  const rates = faults.map((f) => (f.rate as number | undefined) ?? DEFAULT_CHAOS_OPTIONS.rate);
  checkSum(rates);
  // from the checked copies, never the caller's objects again (a getter could answer something
  // else), and arrays copied: emptied by the caller later, `values` made a fault throw undefined
  const given = (k: FaultKind) => faults[FAULT_KINDS.indexOf(k)] as Record<string, unknown>;
  const ms = (given('latency').ms ?? DEFAULT_CHAOS_OPTIONS.latencyMs) as number | number[];
  const values = given('throwable').values as readonly unknown[] | undefined;
  const kinds = given('thenable').kinds as readonly OddThenable[] | undefined;
  return {
    options: o,
    rates,
    enabled: faults.map((f) => f.enabled !== false),
    settings: {
      error: given('error').error as (() => unknown) | undefined,
      syncError: given('syncThrow').error as (() => unknown) | undefined,
      values: Object.freeze([...(values ?? DEFAULT_CHAOS_OPTIONS.throwableValues)]),
      ms: typeof ms === 'number' ? [ms, ms] : [ms[0] as number, ms[1] as number],
      kinds: Object.freeze([...(kinds ?? DEFAULT_CHAOS_OPTIONS.thenableKinds)]),
      value: (given('result').value as ((actual: unknown) => unknown) | undefined) ?? nothing,
      after: (given('abort').after as number | undefined) ?? DEFAULT_CHAOS_OPTIONS.abortAfter,
      reason: given('abort').reason as (() => unknown) | undefined,
    },
  };
}

/** Throws a `RangeError` when the rates sum past 1 (with room for rounding). */
export function checkSum(rates: readonly number[]): void {
  const sum = rates.reduce((a, b) => a + b, 0);
  if (sum <= 1 + 1e-9) return;
  const parts = FAULT_KINDS.map((k, i) => [k, rates[i] as number] as const)
    .filter(([, r]) => r > 0)
    .map(([k, r]) => `${k} ${r}`)
    .join(', ');
  throw new RangeError(
    `${PKG}: the fault rates must sum to at most 1; received ${format(sum)} (${parts})`,
  );
}
