import { rmSync } from 'node:fs';
import { redisForTests, type TestRedis, transpile, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisStore } from './redis-store.js';
import { runChildren } from './test-support/children.js';

// Three real `node` processes share one Redis, as in processes.test.ts, but the wall clock of one
// of them is an hour ahead (a host whose clock is wrong). Entry times are the writer's clock, so
// it reads the others' entries as an hour old (expired) and the others read its entries as an
// hour younger; Redis's expiry is a duration on its own clock, and the lease is a Redis key.
const PROCESSES = 3;
const SKEWS = [0, 0, 3_600_000];
const CALLERS = 3;
const TTL = 400;
const DELTA = 40;
const DURATION = 2400;

interface Load {
  readonly start: number;
  readonly end: number;
}
interface Report {
  readonly lease: { readonly loads: Load[] };
}

let server: TestRedis;
const prefix = uniquePrefix('skewed');
let reports: Report[] = [];
let code: string;

beforeAll(async () => {
  server = await redisForTests();
  code = transpile(['core', 'breaker', 'cache', 'cache-redis']);
  reports = await runChildren<Report>(
    Array.from({ length: PROCESSES }, (_, i) => [
      code,
      server.url,
      prefix,
      TTL,
      DELTA,
      CALLERS,
      DURATION,
      SKEWS[i],
    ]),
  );
}, 30_000);

afterAll(async () => {
  const client = new Redis(server.url);
  await new RedisStore({ client, prefix }).clear();
  await client.quit();
  await server.stop();
  if (code !== undefined) rmSync(code, { recursive: true, force: true });
});

describe('three processes sharing Redis, one with its clock an hour ahead', () => {
  it('with XFetch and the lease, never recompute two at a time, and at most twice per entry lifetime', () => {
    const loads = reports.flatMap((r) => r.lease.loads).sort((a, b) => a.start - b.start);
    for (let i = 1; i < loads.length; i++) {
      expect(loads[i]!.start).toBeGreaterThanOrEqual(loads[i - 1]!.end);
    }
    const cycles = DURATION / TTL;
    // the process ahead loads again what the others wrote, the others what it wrote once Redis
    // drops it: up to two per lifetime instead of one, never a stampede
    expect(loads.length).toBeLessThanOrEqual(2 * Math.ceil(cycles * 1.5) + 1);
    expect(reports[2]!.lease.loads.length).toBeGreaterThan(0);
    if (process.env.DYNO_REPORT) {
      const each = reports.map((r) => r.lease.loads.length).join(' + ');
      console.log(
        `skewed: ${loads.length} loads (${each}), ${(loads.length / cycles).toFixed(2)}/ttl`,
      );
    }
  });
});
