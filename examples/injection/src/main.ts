// Dependencies declared at the definition of a request handler (@dyno/injection), looked up
// late-bound in a registry (@dyno/registry) so setup code can fill them in, and swap them,
// without the handler knowing. Both dependencies are connected in parallel; a slow price feed
// times out and the handler goes on with cached prices.
import { type Clock, sleep, systemClock } from '@dyno/core';
import { DATACENTER_TIMEOUT, inject, LAN_TIMEOUT } from '@dyno/injection';
import { Registry } from '@dyno/registry';

/** A user directory reached over the LAN. */
export interface Users {
  readonly label: string;
  connect(signal: AbortSignal): Promise<void>;
  name(id: number): string;
}

/** A price feed in another datacenter. */
export interface Prices {
  connect(signal: AbortSignal): Promise<void>;
  price(item: string): number;
}

/** The registry's type map: which service each key holds. */
export interface Services {
  users: Users;
  prices: Prices;
}

/** A fake service that takes `ms` to connect on `clock`. */
function users(label: string, ms: number, clock: Clock): Users {
  return {
    label,
    connect: (signal) => sleep(ms, { signal, clock }),
    name: (id) => `${label} user ${id}`,
  };
}

function prices(ms: number, clock: Clock, table: Record<string, number>): Prices {
  return {
    connect: (signal) => sleep(ms, { signal, clock }),
    price: (item) => table[item] ?? Number.NaN,
  };
}

/** Prices from the last good day: what the handler uses when the live feed is too slow. */
const CACHED_PRICES: Prices = prices(0, systemClock, { tea: 3 });

/** Builds the registry and the handler that reads its services through refs. */
export function createApp(clock: Clock = systemClock) {
  const registry = new Registry<Services>({ name: 'app' });
  registry.register('users', users('primary', 10, clock));
  registry.provide('prices', () => prices(30, clock, { tea: 4 }));

  // refs resolve at each use, so a replace() after this line still shows through
  const usersRef = registry.ref('users');
  const pricesRef = registry.ref('prices');

  const quote = inject(
    {
      users: {
        make: async ({ signal }) => {
          const service = usersRef.current;
          await service.connect(signal);
          return service;
        },
        timeout: LAN_TIMEOUT,
      },
      prices: {
        make: async ({ signal }) => {
          await pricesRef.connect(signal);
          return pricesRef.current;
        },
        timeout: DATACENTER_TIMEOUT,
        fallback: CACHED_PRICES,
      },
    },
    ({ users, prices }, id: number, item: string) =>
      `${users.name(id)}: ${item} costs ${prices.price(item)} (at ${clock.now()} ms)`,
    { clock, name: 'quote' },
  );
  return { registry, quote };
}

/** Two calls on the real clock: the second after both services were swapped at run time. */
export async function demo(): Promise<string[]> {
  const { registry, quote } = createApp();
  const start = performance.now();
  const lines = [await quote(1, 'tea')];
  registry.replace('users', users('replica', 10, systemClock));
  registry.replace('prices', prices(1_000, systemClock, { tea: 5 }));
  lines.push(await quote(2, 'tea'));
  lines.push(`two calls in ${Math.round(performance.now() - start)} ms`);
  return lines;
}

if (process.argv[1]?.endsWith('main.js')) {
  demo().then((lines) => console.log(lines.join('\n')));
}
