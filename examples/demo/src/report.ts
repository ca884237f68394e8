import type { OutcomeCounts } from '@dyno/metrics';

/**
 * What one printed line shows: the calls that started in the tick, and the calls that settled in
 * it (`done = ok + fallbk + failed`), whenever they started, so every row adds up; `flight` is how
 * many were still running at the end of the tick.
 */
export interface Line {
  readonly at: number;
  /** The phase, or `before→after` when the upstream changed phase during the tick. */
  readonly phase: string;
  readonly started: number;
  readonly successes: number;
  readonly fallbacks: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly outcomes: OutcomeCounts;
  readonly state: string;
  readonly p50: number;
  readonly p99: number;
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)}ms` : '-');

/** The header above the lines. */
export const HEADER = `${pad('t', 6)} ${pad('phase', 17)} ${pad('start', 5)} ${pad('done', 5)} ${pad('ok', 5)} ${pad('fallbk', 6)} ${pad('failed', 6)} ${pad('flight', 6)} ${pad('short', 5)} ${pad('reject', 6)} ${pad('timeout', 7)} ${pad('err%', 5)}  ${'breaker'.padEnd(9)} ${pad('p50', 8)} ${pad('p99', 8)}`;

/** One line: the tick's calls, the attempts' outcomes, the breaker and the latency. */
export function formatLine(line: Line): string {
  const o = line.outcomes;
  const attempts = o.success + o.failure + o.timeout + o.shortCircuited + o.rejected;
  const errors = attempts - o.success;
  const percent = attempts === 0 ? 0 : (100 * errors) / attempts;
  const done = line.successes + line.fallbacks + line.failed;
  return `${pad(`${(line.at / 1000).toFixed(1)}s`, 6)} ${pad(line.phase, 17)} ${pad(line.started, 5)} ${pad(done, 5)} ${pad(line.successes, 5)} ${pad(line.fallbacks, 6)} ${pad(line.failed, 6)} ${pad(line.inFlight, 6)} ${pad(o.shortCircuited, 5)} ${pad(o.rejected, 6)} ${pad(o.timeout, 7)} ${pad(percent.toFixed(0), 4)}%  ${line.state.padEnd(9)} ${pad(ms(line.p50), 8)} ${pad(ms(line.p99), 8)}`;
}

/** The difference of two outcome counters (what happened between two readings). */
export function delta(now: OutcomeCounts, before: OutcomeCounts): OutcomeCounts {
  const out = {} as Record<keyof OutcomeCounts, number>;
  for (const key of Object.keys(now) as (keyof OutcomeCounts)[]) out[key] = now[key] - before[key];
  return out;
}
