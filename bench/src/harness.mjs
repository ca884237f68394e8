// Measurement primitives shared by every scenario. Each subject gets its own loop function,
// compiled separately with `new Function`, so every library sees a monomorphic call site of its
// own (as a user's code would) and no library pays for the feedback another one left behind.

const now = () => performance.now();

/** Reads a positive number from the environment, or the fallback. */
export function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`bench: ${name} must be a positive number; received ${raw}`);
  }
  return value;
}

export const settings = Object.freeze({
  rounds: Math.round(envNumber('BENCH_ROUNDS', 15)),
  targetMs: envNumber('BENCH_TARGET_MS', 30),
  warmupMs: envNumber('BENCH_WARMUP_MS', 150),
  instances: Math.round(envNumber('BENCH_INSTANCES', 10_000)),
});

const LOOP_BODIES = {
  // One awaited call per iteration: the shape of `await fn()` in user code.
  async: `return async function loop(call, n) {
    const t0 = now();
    for (let i = 0; i < n; i++) await call();
    return [now() - t0, 0];
  }`,
  // The call must reject; rejections are counted so a subject that silently succeeds is caught.
  reject: `return async function loop(call, n) {
    let rejected = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) {
      try { await call(); } catch { rejected++; }
    }
    return [now() - t0, rejected];
  }`,
  // A synchronous call fed from a small table of inputs (histogram recording, cache reads).
  sync: `return function loop(call, n, inputs) {
    const mask = inputs.length - 1;
    let sink = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) sink += call(inputs[i & mask]) === undefined ? 0 : 1;
    return [now() - t0, sink];
  }`,
};

function compileLoop(kind) {
  const body = LOOP_BODIES[kind];
  if (!body) throw new TypeError(`bench: unknown loop kind ${kind}`);
  return new Function('now', body)(now);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function runLoop(subject, n) {
  const result = subject.loop(subject.call, n, subject.inputs);
  return typeof result?.then === 'function' ? await result : result;
}

/**
 * Measures subjects interleaved round by round. A subject is
 * `{ label, call, kind: 'async' | 'reject' | 'sync', perCall?: number, inputs?: number[] }`;
 * `perCall` is how many logical calls one `call()` makes (1000 for a bulkhead batch).
 * The first subject flagged `baseline: true` is the reference for ratios.
 * Returns one row per subject with the median ns per logical call and the median ratio of the
 * subject's round to the baseline's same round; with `options.reference` (a subject's label),
 * also `toReference`, the median ratio of the subject's round to that subject's same round.
 */
export async function measure(subjects, options = {}) {
  const rounds = options.rounds ?? settings.rounds;
  const targetMs = options.targetMs ?? settings.targetMs;
  const warmupMs = options.warmupMs ?? settings.warmupMs;
  const minCalls = options.minCalls ?? 20;

  for (const s of subjects) {
    s.loop = compileLoop(s.kind);
    s.perCall ??= 1;
    s.samples = [];
    s.problems = [];
    // Warm-up with doubling batches until the time budget is spent; the last batch gives the
    // calibration of how many calls make one measurement of about `targetMs`.
    let n = 8;
    let spent = 0;
    let perCallMs = 0;
    while (spent < warmupMs) {
      const [ms, count] = await runLoop(s, n);
      if (s.kind === 'reject' && count !== n) {
        s.problems.push(`only ${count} of ${n} calls rejected`);
        break;
      }
      spent += ms;
      perCallMs = ms / n;
      if (ms < warmupMs / 4) n *= 2;
    }
    s.n = Math.max(minCalls, Math.round(targetMs / Math.max(perCallMs, 1e-6)));
  }

  for (let r = 0; r < rounds; r++) {
    globalThis.gc?.();
    // Rotate the order each round so no subject always runs first after the collection.
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[(k + r) % subjects.length];
      if (s.problems.length > 0) continue;
      // A forced full collection can make V8 drop optimised code whose objects all died; run a
      // short unmeasured batch first so every subject is measured warm, as in a live process.
      await runLoop(s, Math.max(minCalls, s.n >> 3));
      const [ms, count] = await runLoop(s, s.n);
      if (s.kind === 'reject' && count !== s.n)
        s.problems.push(`${s.n - count} calls did not reject`);
      s.samples[r] = (ms * 1e6) / (s.n * s.perCall);
    }
  }

  const base = subjects.find((s) => s.baseline);
  const ref = options.reference && subjects.find((s) => s.label === options.reference);
  return subjects.map((s) => {
    if (s.problems.length > 0) {
      return { label: s.label, lib: s.lib, error: s.problems.join('; '), note: s.note };
    }
    const ns = median(s.samples);
    const ratios = base ? s.samples.map((v, r) => v / base.samples[r]) : [];
    return {
      label: s.label,
      lib: s.lib,
      baseline: Boolean(s.baseline),
      ns,
      min: Math.min(...s.samples),
      max: Math.max(...s.samples),
      ratio: base ? median(ratios) : undefined,
      toReference:
        ref && ref.problems.length === 0
          ? median(s.samples.map((v, r) => v / ref.samples[r]))
          : undefined,
      callsPerMeasurement: s.n,
      note: s.note,
      ...s.extra,
    };
  });
}

/** Heap plus ArrayBuffer backing stores (typed arrays live outside the JS heap). */
export function usedBytes() {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Memory (JS heap plus ArrayBuffer backing stores) and timers per instance. Memory: builds `count` instances with `make` (kept alive in a
 * preallocated array, so the array itself is not counted) between forced collections, with the
 * timer counter switched off so its bookkeeping is not counted. Timers: builds a further
 * `timerSample` instances with the counter on. `timers` comes from `installTimerCounter()`.
 */
export async function measureMemory(make, count, timers, timerSample = Math.min(count, 1000)) {
  const gc = globalThis.gc;
  if (!gc) throw new Error('bench: memory needs node --expose-gc');
  // Warm the code paths and hidden classes so their one-off allocations are not counted.
  const warm = [];
  for (let i = 0; i < 50; i++) warm.push(await make());
  warm.length = 0;
  const keep = new Array(count).fill(null);
  gc();
  gc();
  const heap0 = usedBytes();
  for (let i = 0; i < count; i++) keep[i] = await make();
  gc();
  gc();
  const heap1 = usedBytes();

  timers.enabled = true;
  const more = new Array(timerSample).fill(null);
  for (let i = 0; i < timerSample; i++) more[i] = await make();
  timers.enabled = false;
  const result = {
    bytes: (heap1 - heap0) / count,
    timers: timers.created / timerSample,
    liveTimers: timers.live.size / timerSample,
  };
  keep.fill(null);
  more.fill(null);
  return result;
}

/**
 * Wraps the global timer functions so a child process can count the timers created while
 * `enabled` and those still pending. Install before loading any library (some capture
 * `setTimeout` at load time). Timers made through `node:timers` imports are not seen.
 */
export function installTimerCounter() {
  const counter = { enabled: false, created: 0, live: new Set() };
  const g = globalThis;
  const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci } = g;
  g.setTimeout = function setTimeout(callback, ms, ...args) {
    if (!counter.enabled) return st(callback, ms, ...args);
    counter.created++;
    const handle = st(
      (...a) => {
        counter.live.delete(handle);
        return callback(...a);
      },
      ms,
      ...args,
    );
    counter.live.add(handle);
    return handle;
  };
  g.setInterval = function setInterval(callback, ms, ...args) {
    if (!counter.enabled) return si(callback, ms, ...args);
    counter.created++;
    const handle = si(callback, ms, ...args);
    counter.live.add(handle);
    return handle;
  };
  g.clearTimeout = function clearTimeout(handle) {
    counter.live.delete(handle);
    return ct(handle);
  };
  g.clearInterval = function clearInterval(handle) {
    counter.live.delete(handle);
    return ci(handle);
  };
  return counter;
}
