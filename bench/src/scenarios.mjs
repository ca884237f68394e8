// The scenarios. Each runs inside its own child process (see scenario.mjs) and returns plain
// JSON: `{ rows, ... }` where a row is a measured subject or a status ("—", "not built ...").

import { FLEET_SCENARIOS } from './fleet-rate.mjs';
import { measure, measureMemory, settings, usedBytes } from './harness.mjs';
import { HTTP_SCENARIOS } from './http.mjs';
import { SCALE_SCENARIOS } from './scale.mjs';
import { TIERED_SCENARIOS } from './tiered-cache.mjs';

const VALUE = 42;
const BULKHEAD_LIMIT = 10;
const BULKHEAD_BATCH = 1000;
const CACHE_STAMPEDE = 1000;
const CACHE_REFERENCE = 'lru-cache fetch';
const TIMEOUT_MS = 1000;

const bare = (fn, label = 'bare `await fn()`') => ({
  label,
  lib: 'bare',
  baseline: true,
  kind: 'async',
  call: fn,
});

/** A status row for a library whose capability is missing or unavailable. */
function status(adapter, cap) {
  const c = adapter.caps[cap];
  if (c === undefined) return { lib: adapter.library, label: adapter.library, status: '—' };
  if (typeof c === 'string') return { lib: adapter.library, label: adapter.library, status: c };
  return undefined;
}

/** Builds the subject of one library, or a status row when it cannot. */
async function subjectOf(adapter, cap, build) {
  const s = status(adapter, cap);
  if (s) return { row: s };
  try {
    const subject = await build(adapter.caps[cap]);
    return {
      subject: {
        lib: adapter.library,
        label: adapter.library,
        note: adapter.notes[cap],
        ...subject,
      },
    };
  } catch (error) {
    return {
      row: { lib: adapter.library, label: adapter.library, status: `error: ${error.message}` },
    };
  }
}

/** The success path of one policy, against a bare `await fn()`. */
async function successPath(adapters, cap, extraArgs = []) {
  const fn = async () => VALUE;
  const subjects = [bare(fn)];
  const rows = [];
  for (const a of adapters) {
    const { subject, row } = await subjectOf(a, cap, async (factory) => {
      const call = factory(fn, ...extraArgs);
      const value = await call();
      if (value !== VALUE) throw new Error(`returned ${String(value)}, expected ${VALUE}`);
      return { kind: 'async', call };
    });
    if (row) rows.push(row);
    else subjects.push(subject);
  }
  return { rows: [...(await measure(subjects)), ...rows] };
}

export const SCENARIOS = {
  ...HTTP_SCENARIOS,
  ...FLEET_SCENARIOS,
  ...TIERED_SCENARIOS,
  ...SCALE_SCENARIOS,
  retry: {
    title: 'Retry, success path',
    what: 'one call through a retry policy allowing 3 attempts; the call succeeds at once',
    run: (adapters) => successPath(adapters, 'retry'),
  },
  breaker: {
    title: 'Circuit breaker, closed, success path',
    what: 'one call through a closed breaker with a 10 s time window (20 calls minimum, 50 %)',
    run: (adapters) => successPath(adapters, 'breaker'),
  },
  breakerOpen: {
    title: 'Circuit breaker, open (fast rejection)',
    what: 'one call rejected by an open breaker (tripped by failing calls before measuring)',
    async run(adapters) {
      const fn = async () => VALUE;
      const error = new Error('bench: upstream down');
      const rejecting = async () => {
        throw error;
      };
      const subjects = [
        bare(fn),
        {
          label: 'bare rejection `await fn()` (reference)',
          lib: 'bare',
          kind: 'reject',
          call: rejecting,
        },
      ];
      const rows = [];
      const counters = new Map();
      for (const a of adapters) {
        const counter = { calls: 0 };
        const failing = async () => {
          counter.calls++;
          throw error;
        };
        const { subject, row } = await subjectOf(a, 'breakerOpen', async (factory) => {
          const call = await factory(failing);
          const before = counter.calls;
          const reason = await call().then(
            () => undefined,
            (e) => e,
          );
          if (reason === undefined) throw new Error('the open breaker let a call succeed');
          if (reason === error || counter.calls !== before) {
            throw new Error('the open breaker still called fn');
          }
          counters.set(a.library, counter);
          return { kind: 'reject', call, extra: {} };
        });
        if (row) rows.push(row);
        else {
          subject.calledBefore = counter.calls;
          subjects.push(subject);
        }
      }
      const measured = await measure(subjects);
      for (const r of measured) {
        const c = counters.get(r.lib);
        const s = subjects.find((x) => x.lib === r.lib && x.label === r.label);
        if (c && s) r.fnCallsWhileOpen = c.calls - s.calledBefore;
      }
      return { rows: [...measured, ...rows] };
    },
  },
  bulkhead: {
    title: `Bulkhead, limit ${BULKHEAD_LIMIT}, ${BULKHEAD_BATCH} calls submitted at once`,
    what: `${BULKHEAD_BATCH} calls submitted at once to a bulkhead of ${BULKHEAD_LIMIT} (queue ${BULKHEAD_BATCH}), then all awaited; ns per call = batch time / ${BULKHEAD_BATCH}`,
    async run(adapters) {
      const probe = () => {
        const state = { active: 0, max: 0 };
        const fn = async () => {
          state.active++;
          if (state.active > state.max) state.max = state.active;
          await null;
          state.active--;
          return VALUE;
        };
        return { state, fn };
      };
      const batchOf = (one) => () => {
        const pending = new Array(BULKHEAD_BATCH);
        for (let i = 0; i < BULKHEAD_BATCH; i++) pending[i] = one();
        return Promise.all(pending);
      };
      const bareProbe = probe();
      const subjects = [
        {
          ...bare(batchOf(bareProbe.fn), `bare \`await fn()\`, ${BULKHEAD_BATCH} at once`),
          perCall: BULKHEAD_BATCH,
          probe: bareProbe,
        },
      ];
      const rows = [];
      for (const a of adapters) {
        const p = probe();
        const { subject, row } = await subjectOf(a, 'bulkhead', async (factory) => {
          const one = factory(p.fn, BULKHEAD_LIMIT, BULKHEAD_BATCH);
          const values = await batchOf(one)();
          if (values.length !== BULKHEAD_BATCH || values.some((v) => v !== VALUE)) {
            throw new Error('a batch did not return every value');
          }
          return { kind: 'async', call: batchOf(one), perCall: BULKHEAD_BATCH, probe: p };
        });
        if (row) rows.push(row);
        else subjects.push(subject);
      }
      const measured = await measure(subjects);
      const failures = [];
      for (const r of measured) {
        const s = subjects.find((x) => x.label === r.label);
        r.maxConcurrency = s.probe.state.max;
        if (r.ns) r.callsPerSecond = 1e9 / r.ns;
        if (r.lib !== 'bare' && !r.error) {
          r.concurrencyOk = r.maxConcurrency === BULKHEAD_LIMIT;
          if (!r.concurrencyOk) {
            failures.push(
              `${r.lib}: highest concurrency ${r.maxConcurrency}, expected ${BULKHEAD_LIMIT}`,
            );
          }
        }
      }
      return { rows: [...measured, ...rows], failures };
    },
  },
  timeout: {
    title: 'Timeout, success path',
    what: `one call under a ${TIMEOUT_MS} ms timeout that the call beats`,
    run: (adapters) => successPath(adapters, 'timeout', [TIMEOUT_MS]),
  },
  composed: {
    title: 'Composed retry + breaker + bulkhead + timeout (+ metrics for Dyno), success path',
    what: 'one call through the whole stack, in the order retry → breaker → bulkhead → timeout → fn',
    run: (adapters) => successPath(adapters, 'composed'),
  },
  histogram: {
    title: 'Recording one latency',
    what: 'one latency recorded into a histogram (sync); net = minus the bare loop reading the input',
    async run(adapters) {
      // A fixed, skewed spread of latencies (0.05 ms to about 2 s), the same for every subject.
      const ms = new Array(1024);
      let seed = 12345;
      for (let i = 0; i < ms.length; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        ms[i] = 0.05 * Math.exp((seed / 0x7fffffff) * 10.6);
      }
      const us = ms.map((v) => Math.max(1, Math.round(v * 1000)));
      const subjects = [
        {
          label: 'bare loop (reads the input)',
          lib: 'bare',
          baseline: true,
          kind: 'sync',
          call: (v) => v,
          inputs: ms,
        },
      ];
      const rows = [];
      const sizes = [];
      for (const a of adapters) {
        const s = status(a, 'histogram');
        if (s) {
          if (s.status !== '—') rows.push(s);
          continue;
        }
        for (const variant of a.caps.histogram) {
          if (variant.error) {
            rows.push({ lib: a.library, label: variant.label, status: variant.error });
            continue;
          }
          subjects.push({
            lib: a.library,
            label: variant.label,
            kind: 'sync',
            call: variant.make(),
            inputs: variant.input === 'us' ? us : ms,
            note: variant.input === 'us' ? 'fed integer microseconds' : 'fed milliseconds',
            variant,
          });
        }
      }
      const measured = await measure(subjects);
      const loop = measured.find((r) => r.baseline);
      for (const r of measured) {
        if (r.ns !== undefined && !r.baseline) r.netNs = r.ns - loop.ns;
        r.ratio = undefined;
      }
      // State size of one instance holding one recorded value (WebAssembly memory is not heap).
      const counter = { enabled: false, created: 0, live: new Set() };
      for (const s of subjects) {
        if (!s.variant || /WebAssembly/.test(s.label)) continue;
        const make = async () => {
          const record = s.variant.make();
          record(s.inputs[7]);
          return record;
        };
        const m = await measureMemory(make, 200, counter, 1);
        sizes.push({ label: s.label, bytes: m.bytes });
      }
      return { rows: [...measured, ...rows], sizes };
    },
  },
  cache: {
    title: 'Cache hit path',
    what: 'reading a key that is cached and fresh',
    async run(adapters) {
      const fn = async () => VALUE;
      const loader = async (key) => `value:${key}`;
      const map = new Map([['k', 'value:k']]);
      const subjects = [
        bare(fn),
        {
          label: 'Map.get (sync, reference)',
          lib: 'bare',
          kind: 'sync',
          call: () => map.get('k'),
          inputs: [0],
        },
      ];
      const rows = [];
      for (const a of adapters) {
        const s = status(a, 'cache');
        if (s) {
          if (s.status !== '—') rows.push(s);
          continue;
        }
        try {
          for (const v of await a.caps.cache(loader)) {
            const got = await v.call();
            if (got !== 'value:k') throw new Error(`${v.label} returned ${String(got)}`);
            subjects.push({ lib: a.library, note: a.notes.cache, inputs: [0], ...v });
          }
        } catch (error) {
          rows.push({ lib: a.library, label: a.library, status: `error: ${error.message}` });
        }
      }
      // The hits are measured before any stampede runs: driving lru-cache's `fetch` through
      // misses in the same process deoptimised its hit path every round (V8 traces: a dozen
      // bailouts in its background-fetch check) and made it look slower than it is (Dyno's hit
      // 1.29× lru-cache's fetch beside the stampede rows, 1.41× without; medians of 12 runs).
      // with each round's ratio to lru-cache's `fetch`, the hit path's goal (issue 24: ≤ 1.5×)
      const hits = await measure(subjects, { reference: CACHE_REFERENCE });
      // 1,000 callers of one missing key at once (a new key per batch): loader calls and time
      const stampedes = [];
      const batches = [bare(fn)];
      for (const a of adapters) {
        if (typeof a.caps.cacheStampede !== 'function') continue;
        try {
          const v = await a.caps.cacheStampede(CACHE_STAMPEDE);
          const values = await v.call();
          if (values.length !== CACHE_STAMPEDE || values.some((x) => x !== values[0])) {
            throw new Error(`${v.label} gave its callers different values`);
          }
          stampedes.push(v);
          batches.push({ lib: a.library, inputs: [0], perCall: CACHE_STAMPEDE, ...v });
        } catch (error) {
          rows.push({ lib: a.library, label: a.library, status: `error: ${error.message}` });
        }
      }
      // the same bare await as the hits' baseline, measured again beside the batches (not shown)
      const measured = [...hits, ...(await measure(batches)).filter((r) => !r.baseline)];
      const failures = [];
      for (const v of stampedes) {
        const r = measured.find((x) => x.label === v.label);
        const perBatch = v.stats.loads / v.stats.batches;
        if (r)
          r.note = `${CACHE_STAMPEDE} callers at once, ns per caller; loader calls per batch: ${perBatch}`;
        if (perBatch !== 1)
          failures.push(`${v.label}: ${perBatch} loader calls per batch, expected 1`);
      }
      // Heap per entry: 10,000 short string keys and values, the same for every library.
      const entries = [];
      const held = []; // every filled cache stays alive, so freeing one never skews the next
      for (const a of adapters) {
        const fill = a.caps.cacheFill;
        if (typeof fill !== 'function') continue;
        globalThis.gc();
        globalThis.gc();
        const h0 = usedBytes();
        const holder = await fill(settings.instances, loader);
        globalThis.gc();
        globalThis.gc();
        const h1 = usedBytes();
        held.push(holder);
        entries.push({ lib: a.library, bytes: (h1 - h0) / settings.instances });
      }
      const reference = hits.some((r) => r.toReference !== undefined) ? CACHE_REFERENCE : undefined;
      return { rows: [...measured, ...rows], entries, failures, reference };
    },
  },
};

/** Memory per breaker instance for one library (its own child process). */
/** Bytes per instance of each `{ label, make, instances? }` variant (none: an empty list). */
async function sizesOf(variants = [], timers) {
  const sizes = [];
  for (const variant of variants) {
    const count = Math.min(settings.instances, variant.instances ?? settings.instances);
    const sized = await measureMemory(variant.make, count, timers);
    sizes.push({ label: variant.label, bytes: sized.bytes, instances: count });
  }
  return sizes;
}

export async function memoryOf(adapter, timers) {
  const s = status(adapter, 'breakerInstance');
  if (s) return { row: s };
  const fn = async () => VALUE;
  const make = () => adapter.caps.breakerInstance(fn);
  const m = await measureMemory(make, settings.instances, timers);
  // The whole composed stack (retry, breaker, bulkhead, timeout; and metrics for Dyno) after one
  // call, as a gateway holding one per upstream keeps it.
  let stack;
  if (typeof adapter.caps.composed === 'function') {
    const makeStack = async () => {
      const call = adapter.caps.composed(fn);
      await call();
      return call;
    };
    stack = {
      ...(await measureMemory(makeStack, settings.instances, timers)),
      note: adapter.notes.composed,
    };
  }
  // Metrics instances at steady traffic (Dyno): idle, after one latency, after a minute of traffic
  const metrics = await sizesOf(adapter.caps.metricsInstance, timers);
  // whole services (Dyno): idle, after one call, after a minute of traffic (issue 26's goal)
  const services = await sizesOf(adapter.caps.serviceInstance, timers);
  return {
    row: {
      lib: adapter.library,
      label: adapter.library,
      instances: settings.instances,
      ...m,
      note: adapter.notes.breakerInstance ?? adapter.notes.breaker,
      stack,
      metrics,
      services,
    },
  };
}
