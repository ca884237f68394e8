// The demo: a client calls the local upstream under steady load through @dyno/service while the
// upstream goes healthy → outage → recovered. It prints one line per tick and serves the
// Hystrix stream, Prometheus text and the dashboard while it runs, then prints a summary.
import { Agent } from 'node:http';
import type { CircuitState } from '@dyno/breaker';
import {
  hystrixStream,
  MetricsRegistry,
  type OutcomeCounts,
  prometheusHandler,
} from '@dyno/metrics';
import { ConstantBackoff } from '@dyno/retry';
import { service } from '@dyno/service';
import { Histogram } from '@dyno/stats';
import { startAdmin } from './admin.js';
import { httpGet } from './http-get.js';
import { delta, formatLine, HEADER } from './report.js';
import { type DemoSettings, FAST, NORMAL } from './settings.js';
import { type Phase, startUpstream } from './upstream.js';

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Compress the phases to about 4 s (the test suite's mode). */
  readonly fast?: boolean;
  /** Override single timings. */
  readonly settings?: Partial<DemoSettings>;
  /** Where lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** Called once the servers listen, with their URLs. */
  readonly onReady?: (urls: DemoUrls) => void | Promise<void>;
  /**
   * After the three phases, keep calling the (recovered) upstream and serving the dashboard until
   * this resolves (`pnpm demo -- --serve` resolves it on Ctrl-C).
   */
  readonly serveUntil?: Promise<void>;
  /**
   * Give the service's pool an adaptive limit (`pnpm demo -- --adaptive`) and print it as it
   * moves: it falls when the outage's calls hang until their timeout.
   */
  readonly adaptive?: boolean;
}

/** The URLs the demo serves while it runs. */
export interface DemoUrls {
  readonly upstream: string;
  readonly hystrix: string;
  readonly prometheus: string;
  readonly dashboard: string;
}

/** What a run did; `started === succeeded + fallbacks + failed` when every call settled once. */
export interface DemoReport {
  readonly started: number;
  readonly succeeded: number;
  readonly fallbacks: number;
  readonly failed: number;
  /** Calls whose promise settled more than once (must be 0). */
  readonly settledTwice: number;
  /** Calls still pending when the run ended (must be 0). */
  readonly unsettled: number;
  /** Every breaker transition in order, as `from->to`. */
  readonly transitions: readonly string[];
  /** Attempt outcomes over the whole run, from the metrics. */
  readonly outcomes: OutcomeCounts;
  readonly retries: number;
  readonly upstreamRequests: number;
  readonly durationMs: number;
  /** With `adaptive`: the pool's limit at the start and after each move, in order. */
  readonly limits: readonly number[];
}

/**
 * The adaptive limit of `--adaptive`: it starts at 8 and may go from 2 to 64. The gradient moves
 * the limit only while at least half of it is in use, and the outage's hung calls fill 8 to 13
 * slots before the breaker opens (4 at the least on a loaded machine): a limit of 16 moved in
 * some runs and not in others. A headroom of 2 (the default is 4) lets it fall below 8.
 */
export const ADAPTIVE_POOL = Object.freeze({
  algorithm: 'gradient',
  initial: 8,
  min: 2,
  max: 64,
  queueSize: 2,
} as const);

const FALLBACK = '{"ok":false,"cached":true}';

/** Runs the demo once and resolves with its report when everything is closed. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const s: DemoSettings = { ...(options.fast ? FAST : NORMAL), ...options.settings };
  const log = options.log ?? console.log;
  const began = performance.now();
  const upstream = await startUpstream(s);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const registry = new MetricsRegistry();
  const metrics = registry.get('upstream');
  const call = service(({ signal }) => httpGet(upstream.url, agent, signal), {
    name: 'upstream',
    retry: { attempts: 2, backoff: new ConstantBackoff({ delay: s.interval }) },
    breaker: {
      strategy: {
        kind: 'time-window',
        window: s.window,
        buckets: 10,
        minimumCalls: s.minimumCalls,
        threshold: 0.5,
      },
      openDuration: s.openDuration,
    },
    pool: { concurrency: options.adaptive ? ADAPTIVE_POOL : 32, queue: 32 },
    timeout: s.timeout,
    fallback: () => FALLBACK,
    metrics,
  });
  const breaker = call.breaker as NonNullable<typeof call.breaker>;
  const transitions: string[] = [];
  let phase: Phase = 'healthy';
  const stateChanges = breaker.onStateChange(({ from, to }) => {
    transitions.push(`${from}->${to}`);
    log(`         breaker ${from} -> ${to}${to === 'half-open' ? ' (probing)' : ''}`);
  });
  const retries = call.retry?.onRetry(() => count.retries++);
  const stream = hystrixStream(registry, { interval: 500 });
  const admin = await startAdmin({
    '/hystrix.stream': stream,
    '/metrics': prometheusHandler(registry),
  });
  const urls: DemoUrls = {
    upstream: upstream.url,
    hystrix: `${admin.url}/hystrix.stream`,
    prometheus: `${admin.url}/metrics`,
    dashboard: `${admin.url}/dashboard`,
  };
  log(`upstream   ${urls.upstream}`);
  log(`hystrix    ${urls.hystrix}`);
  log(`prometheus ${urls.prometheus}`);
  log(`dashboard  ${urls.dashboard}`);
  log(
    `phases: healthy ${s.healthy} ms, outage ${s.outage} ms (failing and slow), recovered ${s.recovered} ms; one call every ${s.interval} ms, timeout ${s.timeout} ms`,
  );
  await options.onReady?.(urls);

  const count = { started: 0, succeeded: 0, fallbacks: 0, failed: 0, twice: 0, retries: 0 };
  const pending = new Set<Promise<void>>();
  const newTick = () => ({
    started: 0,
    successes: 0,
    fallbacks: 0,
    failed: 0,
    phases: [phase] as Phase[],
    latency: new Histogram(),
  });
  let tick = newTick();
  const start = performance.now();

  const fire = () => {
    count.started++;
    tick.started++;
    const t0 = performance.now();
    let settled = false;
    const done: Promise<void> = call().then(
      (body) => {
        if (settled) count.twice++;
        settled = true;
        if (body === FALLBACK) {
          count.fallbacks++;
          tick.fallbacks++;
        } else {
          count.succeeded++;
          tick.successes++;
        }
        tick.latency.record(performance.now() - t0);
      },
      () => {
        if (settled) count.twice++;
        settled = true;
        count.failed++;
        tick.failed++;
      },
    );
    pending.add(done);
    done.finally(() => pending.delete(done));
  };

  const limits: number[] = options.adaptive ? [call.pool?.limit ?? 0] : [];
  // every move of the adaptive limit, printed with the next line: reading the limit once a line
  // would miss a fall and a rise between two lines
  let moves: number[] = [];
  const limitChanges = options.adaptive
    ? call.pool?.onLimitChange((e) => moves.push(e.limit))
    : undefined;
  log(HEADER);
  let before = metrics.snapshot().totals;
  let printedAt = Number.NaN;
  const print = () => {
    const at = performance.now() - start;
    const settled = tick.successes + tick.fallbacks + tick.failed;
    // the final print right after the last tick would repeat its time with nothing in it
    if (tick.started === 0 && settled === 0 && at - printedAt < s.tick / 2) return;
    printedAt = at;
    const totals = metrics.snapshot().totals;
    const h = tick.latency;
    log(
      formatLine({
        at,
        phase: tick.phases.join('→'),
        started: tick.started,
        successes: tick.successes,
        fallbacks: tick.fallbacks,
        failed: tick.failed,
        inFlight: pending.size,
        outcomes: delta(totals, before),
        state: breaker.state,
        p50: h.count === 0 ? Number.NaN : h.percentile(50),
        p99: h.count === 0 ? Number.NaN : h.percentile(99),
      }),
    );
    before = totals;
    tick = newTick();
    if (moves.length > 0) {
      log(`         pool limit ${[limits.at(-1), ...moves].join(' -> ')} (adaptive)`);
      limits.push(...moves);
      moves = [];
    }
  };

  const load = setInterval(fire, s.interval);
  const printer = setInterval(print, s.tick);
  const setPhase = (next: Phase) => {
    phase = next;
    tick.phases.push(next);
    upstream.phase = next;
    log(`         phase: ${next}`);
  };
  await sleep(s.healthy);
  setPhase('outage');
  await sleep(s.outage);
  setPhase('recovered');
  await sleep(s.recovered);
  if (options.serveUntil !== undefined) {
    log(`         serving the dashboard at ${urls.dashboard} until Ctrl-C`);
    await options.serveUntil;
  }
  clearInterval(load);
  // every call is bounded by its timeouts: wait for the last ones, then close everything
  while (pending.size > 0) await Promise.all([...pending]);
  clearInterval(printer);
  print();

  const snapshot = metrics.snapshot();
  stateChanges.dispose();
  retries?.dispose();
  limitChanges?.dispose();
  stream.close();
  await admin.close();
  await upstream.close();
  agent.destroy();
  call.dispose();
  registry.dispose();

  const report: DemoReport = {
    started: count.started,
    succeeded: count.succeeded,
    fallbacks: count.fallbacks,
    failed: count.failed,
    settledTwice: count.twice,
    unsettled: count.started - count.succeeded - count.fallbacks - count.failed,
    transitions,
    outcomes: snapshot.totals,
    retries: count.retries,
    upstreamRequests: upstream.received,
    durationMs: performance.now() - began,
    limits,
  };
  summarize(report, log, breakerState(transitions));
  return report;
}

function breakerState(transitions: readonly string[]): CircuitState | 'closed' {
  const last = transitions.at(-1);
  return (last?.split('->')[1] as CircuitState | undefined) ?? 'closed';
}

function summarize(r: DemoReport, log: (line: string) => void, final: string): void {
  const o = r.outcomes;
  log('');
  log(`summary (${(r.durationMs / 1000).toFixed(1)} s)`);
  log(
    `  calls: ${r.started} started = ${r.succeeded} succeeded + ${r.fallbacks} fell back + ${r.failed} failed; settled twice: ${r.settledTwice}, unsettled: ${r.unsettled}`,
  );
  log(
    `  attempts: ${o.success} success, ${o.failure} failure, ${o.timeout} timeout, ${o.shortCircuited} short-circuited, ${o.rejected} rejected; ${r.retries} retries; fallbacks ${o.fallbackSuccess} ok, ${o.fallbackFailure} failed`,
  );
  log(`  upstream saw ${r.upstreamRequests} requests for ${r.started} calls`);
  log(`  breaker: ${r.transitions.join(', ') || 'no transitions'}; now ${final}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
