// mollitia: a Circuit carrying modules (Retry, SlidingTimeBreaker, Bulkhead, Timeout, Cache).
import * as M from 'mollitia';
import { tripUntil } from './shared.mjs';

export const library = 'mollitia';
export const packages = ['mollitia'];

const circuit = (fn, modules) => new M.Circuit({ func: fn, options: { modules } });
// The same window as Dyno's default: 10 s, at least 20 calls, opens at 50 %.
const timeBreaker = () =>
  new M.SlidingTimeBreaker({
    slidingWindowSize: 10_000,
    minimumNumberOfCalls: 20,
    failureRateThreshold: 50,
    openStateDelay: 60_000,
  });

export async function load() {
  return {
    caps: {
      retry(fn) {
        const c = circuit(fn, [new M.Retry({ attempts: 2, interval: 100 })]);
        return () => c.execute();
      },
      breaker(fn) {
        const c = circuit(fn, [timeBreaker()]);
        return () => c.execute();
      },
      async breakerOpen(failing) {
        const breaker = timeBreaker();
        const c = circuit(failing, [breaker]);
        const call = () => c.execute();
        await tripUntil(call, () => breaker.state === M.BreakerState.OPENED);
        return call;
      },
      bulkhead(fn, limit, queue) {
        const c = circuit(fn, [new M.Bulkhead({ concurrentSize: limit, queueSize: queue })]);
        return () => c.execute();
      },
      timeout(fn, ms) {
        const c = circuit(fn, [new M.Timeout({ delay: ms })]);
        return () => c.execute();
      },
      composed(fn) {
        const c = circuit(fn, [
          new M.Retry({ attempts: 2, interval: 100 }),
          timeBreaker(),
          new M.Bulkhead({ concurrentSize: 10, queueSize: 100 }),
          new M.Timeout({ delay: 1000 }),
        ]);
        return () => c.execute();
      },
      async breakerInstance(fn) {
        const c = circuit(fn, [timeBreaker()]);
        await c.execute();
        return c;
      },
      async cache(loader) {
        const c = circuit(loader, [new M.Cache({ ttl: 60_000, cacheClearInterval: 0 })]);
        await c.execute('k');
        return [{ label: 'mollitia Cache module', kind: 'async', call: () => c.execute('k') }];
      },
    },
    notes: {
      breakerInstance: 'every Circuit is also kept in the global `circuits` list',
      composed: 'Circuit with Retry, SlidingTimeBreaker, Bulkhead, Timeout',
    },
  };
}
