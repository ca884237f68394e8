// Coming from cockatiel or opossum: each function runs one scripted dependency through a peer's
// policy and through Dyno's, and returns what each did, so the README's migration table is backed
// by code that runs (see main.test.ts). The defaults and the counting rules are where a migration
// goes wrong without an error: a translated option that reads the same can mean something else.
import { CircuitBreaker as DynoBreaker } from '@dyno/breaker';
import { type Clock, systemClock } from '@dyno/core';
import { Pool, Timeout } from '@dyno/pool';
import { ConstantBackoff, Retry } from '@dyno/retry';
import { service } from '@dyno/service';
import {
  bulkhead,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  ConstantBackoff as PeerConstantBackoff,
  retry,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import Opossum from 'opossum';

/** What a peer did and what Dyno did with the same dependency. */
export interface SideBySide<T> {
  readonly peer: T;
  readonly dyno: T;
}

/** A dependency that fails its first `failures` calls, then answers `'ok'`; counts its calls. */
export function flaky(failures: number) {
  const state = { calls: 0 };
  const fn = async (): Promise<string> => {
    state.calls++;
    if (state.calls <= failures) throw new Error(`failure ${state.calls}`);
    return 'ok';
  };
  return { fn, state };
}

/** The name or code of what a promise rejected with, or `'resolved'`. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    const e = error as { code?: unknown; name?: unknown; constructor?: { name?: string } };
    if (typeof e.code === 'string') return e.code;
    return e.constructor?.name ?? String(e.name);
  }
}

/**
 * cockatiel's `maxAttempts` counts retries; Dyno's `attempts` counts calls, the first included.
 * Both given "3", against a dependency that always fails: how often it was called.
 */
export async function retryCounts(): Promise<SideBySide<number>> {
  const peer = flaky(Infinity);
  const policy = retry(handleAll, { maxAttempts: 3, backoff: new PeerConstantBackoff(0) });
  await outcome(policy.execute(peer.fn));
  const dyno = flaky(Infinity);
  const ours = new Retry({ attempts: 3, backoff: new ConstantBackoff({ delay: 0 }) });
  await outcome(ours.execute(dyno.fn));
  return { peer: peer.state.calls, dyno: dyno.state.calls };
}

/**
 * What the caller gets once retries are exhausted: cockatiel rethrows the last error; Dyno
 * rejects with a `CompoundError` holding every attempt (the seed's "one error holding all of
 * them"), or the last error itself with `throwLastError: true`.
 */
export async function exhaustedErrors(): Promise<SideBySide<string> & { dynoLast: string }> {
  const backoff = new ConstantBackoff({ delay: 0 });
  const peerPolicy = retry(handleAll, { maxAttempts: 2, backoff: new PeerConstantBackoff(0) });
  return {
    peer: await message(peerPolicy.execute(flaky(Infinity).fn)),
    dyno: await outcome(new Retry({ attempts: 3, backoff }).execute(flaky(Infinity).fn)),
    dynoLast: await message(
      new Retry({ attempts: 3, backoff, throwLastError: true }).execute(flaky(Infinity).fn),
    ),
  };
}

async function message(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * opossum judges from its first call (`volumeThreshold` 0) and opens when the error percentage
 * is above `errorThresholdPercentage`, so one failure as the first call opens it. Dyno's default
 * (Hystrix's) judges from 20 calls in its 10 s window. Dyno with `minimumCalls: 1` opens as
 * opossum does. Returns whether each breaker is open after one failed call.
 */
export async function firstFailure(): Promise<SideBySide<boolean> & { dynoTuned: boolean }> {
  const peer = new Opossum(flaky(1).fn);
  await outcome(peer.fire());
  const opened = peer.opened;
  peer.shutdown();
  const dyno = new DynoBreaker();
  await outcome(dyno.execute(flaky(1).fn));
  const tuned = new DynoBreaker({ strategy: { kind: 'time-window', minimumCalls: 1 } });
  await outcome(tuned.execute(flaky(1).fn));
  return { peer: opened, dyno: dyno.state === 'open', dynoTuned: tuned.state === 'open' };
}

/**
 * At exactly the threshold: two failures in four calls, threshold 50 %. opossum opens above it
 * (`>`), Dyno at it (`>=`). Returns whether each is open after `ok, ok, fail, fail`.
 */
export async function atThreshold(): Promise<SideBySide<boolean>> {
  const script = [true, true, false, false];
  const peerCalls = script.map((ok) => (ok ? async () => 'ok' : flaky(1).fn));
  let next = 0;
  const peer = new Opossum(() => (peerCalls[next++] as () => Promise<string>)(), {
    volumeThreshold: 4,
    errorThresholdPercentage: 50,
  });
  for (let i = 0; i < script.length; i++) await outcome(peer.fire());
  const peerOpen = peer.opened;
  peer.shutdown();
  const dyno = new DynoBreaker({
    strategy: { kind: 'time-window', minimumCalls: 4, threshold: 0.5 },
  });
  for (const ok of script) await outcome(dyno.execute(ok ? async () => 'ok' : flaky(1).fn));
  return { peer: peerOpen, dyno: dyno.state === 'open' };
}

/**
 * What a call refused by an open circuit rejects with: opossum an `Error` with code
 * `EOPENBREAKER`, cockatiel a `BrokenCircuitError`, Dyno a `BrokenCircuitError` with code
 * `DYNO_BROKEN` (and `retryAfter`, the ms until a probe may run).
 */
export async function refusals(): Promise<{ opossum: string; cockatiel: string; dyno: string }> {
  const opossum = new Opossum(flaky(Infinity).fn, { volumeThreshold: 1 });
  await outcome(opossum.fire());
  const opossumRefusal = await outcome(opossum.fire());
  opossum.shutdown();
  const cockatiel = circuitBreaker(handleAll, {
    halfOpenAfter: 10_000,
    breaker: new ConsecutiveBreaker(1),
  });
  await outcome(cockatiel.execute(flaky(Infinity).fn));
  const dyno = new DynoBreaker({ strategy: { kind: 'consecutive-failures', failures: 1 } });
  await outcome(dyno.execute(flaky(Infinity).fn));
  return {
    opossum: opossumRefusal,
    cockatiel: await outcome(cockatiel.execute(flaky(0).fn)),
    dyno: await outcome(dyno.execute(flaky(0).fn)),
  };
}

/**
 * A bulkhead of one slot and no queue, a second call while the first runs: cockatiel rejects with
 * `BulkheadRejectedError`, Dyno's `Pool` with `PoolFullError` (code `DYNO_POOL_FULL`).
 */
export async function bulkheadFull(): Promise<SideBySide<string>> {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const peer = bulkhead(1, 0);
  const pool = new Pool({ concurrency: 1, queue: 0 });
  const first = [peer.execute(() => held), pool.execute(() => held)];
  const second = {
    peer: outcome(peer.execute(async () => 'ok')),
    dyno: outcome(pool.execute(async () => 'ok')),
  };
  release();
  await Promise.all(first);
  return { peer: await second.peer, dyno: await second.dyno };
}

/**
 * A dependency that ignores its signal and answers after 100 ms, under a 50 ms timeout.
 * cockatiel's `Cooperative` strategy aborts the signal and waits for the answer (the caller is
 * still waiting at 60 ms and gets the value at 100 ms); its `Aggressive` strategy and Dyno's
 * `Timeout` reject the caller at 50 ms (Dyno with a `TimeoutError`, code `DYNO_TIMEOUT`).
 * `advance` moves time on (real time, or fake timers in the tests); Dyno reads `clock`.
 * Returns what each caller had at 60 ms, then at 120 ms.
 */
export async function hungDependency(
  advance: (ms: number) => Promise<void>,
  clock: Clock = systemClock,
): Promise<{ at60: Record<string, string>; at120: Record<string, string> }> {
  const late = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 100));
  const callers = {
    cooperative: timeout(50, TimeoutStrategy.Cooperative).execute(late),
    aggressive: timeout(50, TimeoutStrategy.Aggressive).execute(late),
    dyno: new Timeout({ timeout: 50, clock }).execute(late),
  };
  const seen: Record<string, string> = {};
  const done = Object.entries(callers).map(async ([who, call]) => {
    seen[who] = 'pending';
    seen[who] = await outcome(call);
  });
  await advance(60);
  const at60 = { ...seen };
  await advance(60);
  await Promise.all(done);
  return { at60, at120: { ...seen } };
}

/**
 * opossum's `fallback(fn)` and Dyno's `fallback` option: both answer a failed call. Returns what
 * a caller got from a dependency that always fails.
 */
export async function fallbacks(): Promise<SideBySide<unknown>> {
  const peer = new Opossum(flaky(Infinity).fn);
  peer.fallback(() => 'cached');
  const peerValue = await peer.fire();
  peer.shutdown();
  const call = service(flaky(Infinity).fn, {
    retry: { attempts: 1 },
    fallback: 'cached',
  });
  const dynoValue = await call();
  call.dispose();
  return { peer: peerValue, dyno: dynoValue };
}

async function main(): Promise<void> {
  const realTime = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const rows: [string, unknown][] = [
    ['calls for "3" (cockatiel maxAttempts / Dyno attempts)', await retryCounts()],
    ['after retries (cockatiel / Dyno)', await exhaustedErrors()],
    ['open after one failure (opossum / Dyno / Dyno tuned)', await firstFailure()],
    ['open at 2 failures of 4, threshold 50 % (opossum / Dyno)', await atThreshold()],
    ['an open circuit refuses with', await refusals()],
    ['a full bulkhead refuses with (cockatiel / Dyno)', await bulkheadFull()],
    ['a hung call under a 50 ms timeout, at 60 ms', await hungDependency(realTime)],
    ['fallback (opossum / Dyno)', await fallbacks()],
  ];
  for (const [what, result] of rows) console.log(`${what}: ${JSON.stringify(result)}`);
}

if (process.argv[1]?.endsWith('main.js')) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
