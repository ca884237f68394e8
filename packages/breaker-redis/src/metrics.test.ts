import { CircuitBreaker } from '@dyno/breaker';
import { Metrics, prometheusText, toHystrixCommand } from '@dyno/metrics';
import { redisForTests, type TestRedis, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { FleetCircuit } from './fleet-circuit.js';
import { tripsAtOnce } from './test-support/breakers.js';

// `@dyno/metrics` observing a member's breaker and FleetCircuit, three members on a real Redis.
let server: TestRedis;
const prefix = uniquePrefix('metrics');
const clients: Redis[] = [];
const fleets: FleetCircuit[] = [];

beforeAll(async () => {
  server = await redisForTests();
});

afterAll(async () => {
  for (const f of fleets) f.dispose();
  const admin = new Redis(server.url);
  // dispose() sent each member's leave script: once all ran, no circuit has members left
  await waitFor(
    async () => (await admin.keys(`${prefix}*:members`)).length === 0,
    'every member left',
  );
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  for (const c of clients) c.disconnect();
  await server.stop();
});

function member(i: number): { breaker: CircuitBreaker; fleet: FleetCircuit } {
  const breaker = tripsAtOnce('payments');
  const client = new Redis(server.url);
  clients.push(client);
  const fleet = new FleetCircuit({
    breaker,
    client,
    prefix,
    id: `m${i}`,
    heartbeat: 100,
    name: `payments-fleet-${i}`,
  });
  fleets.push(fleet);
  return { breaker, fleet };
}

describe('FleetCircuit observed by @dyno/metrics', () => {
  it('shows the quorum view, and the local breaker isolated by the fleet, then released', async () => {
    const [local, a, b] = [member(0), member(1), member(2)];
    const metrics = new Metrics({ name: 'payments' });
    metrics.observe(local.breaker);
    metrics.observe(local.fleet);
    await waitFor(() => metrics.snapshot().fleet?.live === 3, 'the local member sees 3 live');
    for (const other of [a, b]) {
      await other.breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    }
    await waitFor(
      () => local.breaker.state === 'isolated',
      'the quorum isolates the local breaker',
    );
    const snapshot = metrics.snapshot();
    expect(snapshot.circuit?.state).toBe('isolated');
    expect(snapshot.fleet).toEqual({
      name: 'payments-fleet-0',
      live: 3,
      open: 2,
      isolating: true,
      connected: true,
      isolations: 1,
      redisErrors: 0,
      totals: { isolations: 1, redisErrors: 0 },
    });
    expect(toHystrixCommand(snapshot, 0)).toMatchObject({
      dynoCircuitState: 'isolated',
      dynoFleetMembers: 3,
      dynoFleetOpen: 2,
      dynoFleetIsolating: true,
      dynoFleetIsolations: 1,
    });
    const text = prometheusText(metrics);
    expect(text).toContain('dyno_fleet_isolating{name="payments",fleet="payments-fleet-0"} 1\n');
    expect(text).toContain('dyno_fleet_open_members{name="payments",fleet="payments-fleet-0"} 2\n');
    expect(text).toContain('dyno_circuit_state{name="payments",state="isolated"} 1\n');

    a.breaker.close();
    b.breaker.close();
    await waitFor(() => local.breaker.state === 'closed', 'the fleet lets go');
    const fleet = metrics.snapshot().fleet;
    expect(fleet).toMatchObject({ open: 0, isolating: false });
    // a loaded machine can delay a heartbeat past memberTtl: the quorum then lapses and forms
    // again, a second isolation that is real, so at least one is counted
    expect(fleet?.totals.isolations).toBeGreaterThanOrEqual(1);
    metrics.dispose();
  });

  it('counts the Redis errors of a member that cannot reach Redis, which works alone', async () => {
    const closed = () => {
      const c = new Redis(server.url, { lazyConnect: true });
      c.disconnect();
      return c;
    };
    const breaker = new CircuitBreaker({ name: 'payments' });
    const fleet = new FleetCircuit({
      breaker,
      client: closed(),
      subscriber: closed(),
      prefix,
      heartbeat: 20,
      name: 'alone',
    });
    fleets.push(fleet);
    const metrics = new Metrics({ name: 'payments' });
    metrics.observe(fleet);
    await waitFor(() => (metrics.snapshot().fleet?.redisErrors ?? 0) >= 2, 'two heartbeats fail');
    expect(metrics.snapshot().fleet).toMatchObject({ live: 0, isolating: false, connected: false });
    expect(prometheusText(metrics)).toMatch(
      /^dyno_fleet_redis_errors_total\{name="payments",fleet="alone"\} [2-9]\d*$/m,
    );
    metrics.dispose();
  });
});
