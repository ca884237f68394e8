// One process of the fleet: a RedisRateLimiter and a CircuitBreaker shared through a
// FleetCircuit. The main process drives it over IPC.
import { CircuitBreaker } from '@dyno/breaker';
import { FleetCircuit } from '@dyno/breaker-redis';
import { RateLimitedError } from '@dyno/pool';
import { RedisRateLimiter } from '@dyno/pool-redis';
import { Redis } from 'ioredis';

const [url = '', prefix = '', id = ''] = process.argv.slice(2);
const client = new Redis(url, { maxRetriesPerRequest: 0 });
client.on('error', () => {});
const limiter = new RedisRateLimiter({ client, prefix, rate: 50, burst: 10, processes: 4 });
const breaker = new CircuitBreaker({
  name: 'inventory',
  strategy: { kind: 'consecutive-failures', failures: 3 },
  openDuration: 30_000,
});
const fleet = new FleetCircuit({ breaker, client, prefix, id, heartbeat: 200 });

async function hammer(ms: number): Promise<number> {
  let admitted = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      await limiter.acquire({ key: 'checkout' });
      admitted++;
    } catch (error) {
      if (!RateLimitedError.isInstance(error)) throw error;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  return admitted;
}

process.on('message', async (m: { cmd: string; ms?: number }) => {
  if (m.cmd === 'hammer') process.send?.({ admitted: await hammer(m.ms ?? 1000) });
  else if (m.cmd === 'fail') {
    for (let i = 0; i < 3; i++) {
      await breaker.execute(() => Promise.reject(new Error('inventory down'))).catch(() => {});
    }
    process.send?.({ state: breaker.state });
  } else if (m.cmd === 'recover') {
    breaker.close();
    process.send?.({ state: breaker.state });
  } else if (m.cmd === 'state') process.send?.({ state: breaker.state, view: fleet.view });
  else if (m.cmd === 'exit') {
    fleet.dispose();
    await new Promise((r) => setTimeout(r, 50));
    client.disconnect();
    process.disconnect();
  }
});

while (!fleet.view.connected) await new Promise((r) => setTimeout(r, 20));
process.send?.({ ready: true });
