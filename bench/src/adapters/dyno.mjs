// Dyno: every package is loaded with a dynamic import inside try/catch, so a package that is not
// built yet (or does not export what a scenario needs) marks its rows "not built" instead of
// crashing the run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tripUntil } from './shared.mjs';

export const library = 'dyno';
export const packages = [
  '@dyno/core',
  '@dyno/stats',
  '@dyno/retry',
  '@dyno/breaker',
  '@dyno/pool',
  '@dyno/metrics',
  '@dyno/cache',
  '@dyno/service',
];

const require = createRequire(import.meta.url);

/** `{ module }` when the package's built ESM entry loads, else `{ error }` saying why not. */
async function importPackage(name) {
  try {
    return { module: await import(name) };
  } catch (error) {
    let built = false;
    try {
      const dir = require.resolve(`${name}/package.json`).replace(/package\.json$/, '');
      const pkg = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
      const entry = pkg.exports?.['.']?.import?.default ?? pkg.module;
      built = entry ? Boolean(readFileSync(dir + entry, 'utf8')) : false;
    } catch {
      built = false;
    }
    return { error: built ? `${name} fails to load: ${error.message}` : `not built (${name})` };
  }
}

/** The named exports, or a "not built" reason naming what is missing. */
function pick(loaded, pkgName, names) {
  if (loaded.error) return { error: loaded.error };
  const missing = names.filter((n) => loaded.module[n] === undefined);
  if (missing.length > 0) return { error: `not built (${pkgName} has no ${missing.join(', ')})` };
  return loaded.module;
}

export async function load() {
  const pkgs = {};
  for (const name of packages.slice(2)) pkgs[name] = await importPackage(name);
  const stats = await importPackage('@dyno/stats');

  const caps = {};
  const notes = {};

  const R = pick(pkgs['@dyno/retry'], '@dyno/retry', ['Retry']);
  const B = pick(pkgs['@dyno/breaker'], '@dyno/breaker', ['CircuitBreaker']);
  const P = pick(pkgs['@dyno/pool'], '@dyno/pool', ['Pool', 'Timeout']);
  const Mx = pick(pkgs['@dyno/metrics'], '@dyno/metrics', ['Metrics']);
  const C = pick(pkgs['@dyno/cache'], '@dyno/cache', ['Cache']);
  const S = pick(pkgs['@dyno/service'], '@dyno/service', ['service']);
  const H = pick(stats, '@dyno/stats', ['Histogram']);

  const newRetry = () => new R.Retry({ attempts: 3 });
  const newBreaker = () =>
    new B.CircuitBreaker({ strategy: { kind: 'time-window' }, openDuration: 60_000 });
  const newPool = (concurrency, queue) => new P.Pool({ concurrency, queue });
  const newTimeout = (ms) => new P.Timeout({ timeout: ms });

  if (R.error) caps.retry = R.error;
  else
    caps.retry = (fn) => {
      const policy = newRetry();
      return () => policy.execute(fn);
    };

  if (B.error) {
    caps.breaker = caps.breakerOpen = caps.breakerInstance = B.error;
  } else {
    caps.breaker = (fn) => {
      const breaker = newBreaker();
      return () => breaker.execute(fn);
    };
    caps.breakerOpen = async (failing) => {
      const breaker = newBreaker();
      const call = () => breaker.execute(failing);
      await tripUntil(call, () => breaker.state === 'open');
      return call;
    };
    caps.breakerInstance = async (fn) => {
      const breaker = newBreaker();
      await breaker.execute(fn);
      return breaker;
    };
    notes.breaker = 'time-window strategy (10 s, 10 buckets, 20 calls, 50 %)';
    notes.breakerOpen = 'time-window strategy, tripped by failures';
  }

  if (P.error) {
    caps.bulkhead = caps.timeout = P.error;
  } else {
    caps.bulkhead = (fn, limit, queue) => {
      const pool = newPool(limit, queue);
      return () => pool.execute(fn);
    };
    caps.timeout = (fn, ms) => {
      const policy = newTimeout(ms);
      return () => policy.execute(fn);
    };
  }

  // Composed: through @dyno/service when it exists, else by hand in the service's documented
  // order (retry → breaker → pool → timeout → fn) with metrics recording every attempt.
  if (!S.error && !Mx.error) {
    caps.composed = (fn) => {
      const wrapped = S.service(fn, {
        name: 'bench',
        retry: { attempts: 3 },
        breaker: { strategy: { kind: 'time-window' } },
        pool: { concurrency: 10, queue: 100 },
        timeout: 1000,
      });
      return () => wrapped();
    };
    notes.composed = '@dyno/service: retry, breaker, pool, timeout, metrics';
  } else if (!R.error && !B.error && !P.error && !Mx.error) {
    caps.composed = (fn) => {
      const retry = newRetry();
      const breaker = newBreaker();
      const pool = newPool(10, 100);
      const timeout = newTimeout(1000);
      const metrics = new Mx.Metrics({ name: 'bench' });
      const attempt = async (ctx) => {
        const start = metrics.begin();
        try {
          const value = await breaker.execute(() =>
            pool.execute(() => timeout.execute(fn, ctx), ctx),
          );
          metrics.end('success', start);
          return value;
        } catch (error) {
          metrics.end('failure', start);
          throw error;
        }
      };
      return () => retry.execute(attempt);
    };
    notes.composed = 'by hand (no @dyno/service yet): retry → breaker → pool → timeout, metrics';
  } else {
    caps.composed = [R, B, P, Mx].find((x) => x.error)?.error ?? S.error;
  }

  const histogram = [];
  if (!Mx.error) {
    histogram.push({
      label: 'dyno Metrics.record',
      input: 'ms',
      make: () => {
        const metrics = new Mx.Metrics({ name: 'bench' });
        return (v) => metrics.record('success', v);
      },
    });
    // How @dyno/service records: the caller read the clock to measure the latency, and passes
    // that reading, so recording reads no clock of its own (one read costs ~46 ns here).
    histogram.push({
      label: 'dyno Metrics.record, time passed in',
      input: 'ms',
      make: () => {
        const metrics = new Mx.Metrics({ name: 'bench' });
        // one reading for the whole measurement: its calls fall in one bucket, as calls
        // within the same 1 s bucket do
        const now = performance.now();
        return (v) => metrics.record('success', v, now);
      },
    });
  } else {
    histogram.push({ label: 'dyno Metrics.record', error: Mx.error });
  }
  if (!H.error) {
    histogram.push({
      label: 'dyno stats Histogram.record',
      input: 'ms',
      make: () => {
        const h = new H.Histogram();
        return (v) => h.record(v);
      },
    });
  } else {
    histogram.push({ label: 'dyno stats Histogram.record', error: H.error });
  }
  caps.histogram = histogram;
  if (!Mx.error) caps.metricsInstance = metricsInstances(Mx.Metrics);
  if (!S.error) caps.serviceInstance = serviceInstances(S.service);

  if (C.error) {
    caps.cache = caps.cacheFill = caps.cacheStampede = C.error;
  } else {
    caps.cache = async (loader) => {
      const cache = new C.Cache({ ttl: 60_000 });
      // Dyno's loader receives a context, not the key.
      const load = () => loader('k');
      await cache.get('k', load);
      return [{ label: 'dyno Cache.get', kind: 'async', call: () => cache.get('k', load) }];
    };
    caps.cacheFill = async (count, loader) => {
      const cache = new C.Cache({ ttl: 60_000, maxEntries: count });
      for (let i = 0; i < count; i++) await cache.get(`key:${i}`, () => loader(i));
      return cache;
    };
    // `count` callers of one missing key at once, a new key per batch; counts loader calls
    caps.cacheStampede = async (count) => {
      const cache = new C.Cache({ ttl: 60_000 });
      const stats = { batches: 0, loads: 0 };
      const load = async () => {
        stats.loads++;
        await null;
        return 'value';
      };
      const call = () => {
        const key = `miss:${stats.batches++}`;
        const pending = new Array(count);
        for (let i = 0; i < count; i++) pending[i] = cache.get(key, load);
        return Promise.all(pending);
      };
      return {
        label: 'dyno Cache.get, 1,000 callers of a missing key',
        kind: 'async',
        call,
        stats,
      };
    };
    notes.cache = 'ttl 60 s, XFetch refresh (default)';
  }

  return { caps, notes };
}

/**
 * `service(fn)` with its default options (retry, breaker, pool with a 1 s timeout, metrics) on a
 * clock the calls move: idle, after one call, and after a minute at one call per second.
 */
function serviceInstances(service) {
  let now = 0;
  const clock = { now: () => now, setTimeout, clearTimeout };
  let next = 0;
  // each call takes 1 to 40 ms of the clock's time, so the latency histograms see spread values
  const fn = async () => {
    now += 1 + ((next++ * 7) % 40);
    return 1;
  };
  const steady = async () => {
    const s = service(fn, { clock });
    for (let k = 0; k <= 60; k++) {
      await s();
      now += 1000;
    }
    return s;
  };
  return [
    { label: 'service, idle', make: () => service(fn, { clock }) },
    {
      label: 'service, after one call',
      make: async () => {
        const s = service(fn, { clock });
        await s();
        return s;
      },
    },
    { label: 'service, 1 call/s for 61 s', make: steady, instances: 2000 },
  ];
}

/**
 * `Metrics` instances for the memory figures: idle, after one latency, and after 65 s of
 * traffic on a manual clock (1 call/s and 100 calls/s) with log-normal latencies (median 20 ms,
 * σ 0.5), so the 60 s latency window holds six full slices.
 */
function metricsInstances(Metrics) {
  // every write passes its own time, so the clock only serves construction
  const clock = { now: () => 0, setTimeout, clearTimeout };
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed + 0.5) / 0x80000000;
  };
  const latencies = Array.from(
    { length: 4096 },
    () =>
      20 * Math.exp(0.5 * Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random())),
  );
  let next = 0;
  const traffic = (every) => () => {
    const m = new Metrics({ clock });
    for (let at = 0; at <= 65_000; at += every) m.record('success', latencies[next++ & 4095], at);
    return m;
  };
  return [
    { label: 'idle', make: () => new Metrics({ clock }) },
    {
      label: 'after one latency',
      make: () => {
        const m = new Metrics({ clock });
        m.record('success', latencies[next++ & 4095], 0);
        return m;
      },
    },
    { label: '1 call/s for 65 s', make: traffic(1000), instances: 5000 },
    { label: '100 calls/s for 65 s', make: traffic(10), instances: 1000 },
  ];
}
