import { rmSync } from 'node:fs';
import { redisForTests, type TestRedis, transpile, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisStore } from './redis-store.js';
import { runChildren } from './test-support/children.js';

// Four real `node` processes share one Redis. Each runs the same load against two caches for the
// same 3 s: XFetch with the lease, and a plain TTL cache. The children run the sources under test,
// transpiled once into a temporary directory by this file (`transpile` of `@dyno-tools/testing`): no build.
const PROCESSES = 4;
const CALLERS = 4;
const TTL = 400;
const DELTA = 40;
const DURATION = 3000;

interface Load {
  readonly start: number;
  readonly end: number;
}
interface Side {
  readonly loads: Load[];
  readonly waited: number;
  readonly calls: number;
}
interface Report {
  readonly lease: Side;
  readonly plain: Side;
}

let server: TestRedis;
const prefix = uniquePrefix('processes');
let reports: Report[] = [];
let code: string;

beforeAll(async () => {
  server = await redisForTests();
  code = transpile(['core', 'breaker', 'cache', 'cache-redis']);
  reports = await runChildren<Report>(
    Array.from({ length: PROCESSES }, () => [
      code,
      server.url,
      prefix,
      TTL,
      DELTA,
      CALLERS,
      DURATION,
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

const all = (side: 'lease' | 'plain') =>
  reports.flatMap((r) => r[side].loads).sort((a, b) => a.start - b.start);
const cycles = DURATION / TTL;

describe('four processes sharing Redis, each with concurrent callers', () => {
  it('with XFetch and the lease, recompute at most once per cycle, never two at a time', () => {
    const loads = all('lease');
    for (let i = 1; i < loads.length; i++) {
      // each recompute starts after the one before it has written its value
      expect(loads[i]!.start).toBeGreaterThanOrEqual(loads[i - 1]!.end);
    }
    // the cold start, then one per entry lifetime (early refreshes shorten a lifetime a little)
    expect(loads.length).toBeLessThanOrEqual(Math.ceil(cycles * 1.5) + 1);
    expect(loads.length).toBeGreaterThanOrEqual(Math.floor(cycles));
    if (process.env.DYNO_REPORT) {
      const w = reports.reduce((s, r) => s + r.lease.waited, 0);
      const c = reports.reduce((s, r) => s + r.lease.calls, 0);
      console.log(
        `lease: ${loads.length} loads, ${(loads.length / cycles).toFixed(2)}/ttl, waited ${w}/${c}`,
      );
    }
  });

  it('a plain TTL cache on the same load recomputes in several processes every cycle', () => {
    const loads = all('plain');
    const perCycle = loads.length / cycles;
    expect(perCycle).toBeGreaterThan(2);
    const overlapping = loads.filter((l, i) => i > 0 && l.start < loads[i - 1]!.end).length;
    expect(overlapping).toBeGreaterThan(cycles);
    if (process.env.DYNO_REPORT) {
      const w = reports.reduce((s, r) => s + r.plain.waited, 0);
      const c = reports.reduce((s, r) => s + r.plain.calls, 0);
      console.log(`plain: ${loads.length} loads, ${perCycle.toFixed(2)}/ttl, waited ${w}/${c}`);
    }
  });
});
