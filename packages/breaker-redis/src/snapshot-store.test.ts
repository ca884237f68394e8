import { CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import { redisForTests, type TestRedis, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { loadCircuitSnapshot, saveCircuitSnapshot } from './snapshot-store.js';

let server: TestRedis;
let client: Redis;
const prefix = uniquePrefix('snapshot');

beforeAll(async () => {
  server = await redisForTests();
  client = new Redis(server.url);
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
  await server.stop();
});

/** Redis's own time in ms. */
async function redisNow(): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

describe('saveCircuitSnapshot and loadCircuitSnapshot', () => {
  it('lets a cold process start with the circuit a previous one left open', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: { kind: 'consecutive-failures', failures: 1 },
      openDuration: 10_000,
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    await clock.advance(1000);
    await saveCircuitSnapshot(client, 'payments', breaker.snapshot(), { prefix });
    expect(await client.pttl(`${prefix}payments:snapshot`)).toBeGreaterThan(86_000_000);

    const snapshot = await loadCircuitSnapshot(client, 'payments', { prefix });
    expect(snapshot?.state).toBe('open');
    // aged by its time in Redis (a few ms here)
    expect(snapshot?.openRemaining).toBeLessThanOrEqual(9000);
    expect(snapshot?.openRemaining).toBeGreaterThan(8000);
    const cold = new CircuitBreaker({ snapshot, openDuration: 10_000 });
    expect(cold.state).toBe('open');
  });

  it('ages a time window and an open circuit by the time they spent in Redis', async () => {
    const breaker = new CircuitBreaker({ openDuration: 20 });
    await breaker.execute(() => 1);
    const saved = breaker.snapshot();
    await saveCircuitSnapshot(
      client,
      'aging',
      { ...saved, state: 'open', openRemaining: 20 },
      {
        prefix,
        ttl: 60_000,
      },
    );
    // the age is read on Redis's own clock (TIME in the scripts), which no test can move: wait
    // until it has moved 30 ms past the save
    const savedAt = await redisNow();
    await waitFor(async () => (await redisNow()) >= savedAt + 30, "Redis's clock moved 30 ms");
    const loaded = await loadCircuitSnapshot(client, 'aging', { prefix });
    expect(loaded?.openRemaining).toBe(0);
    expect(loaded?.window.kind).toBe('time-window');
    const window = loaded?.window as { elapsed: number };
    expect(window.elapsed).toBeGreaterThanOrEqual(
      (saved.window as { elapsed: number }).elapsed + 25,
    );
    expect(new CircuitBreaker({ snapshot: loaded }).state).toBe('half-open');
  });

  it('answers undefined when nothing, or something else, is saved', async () => {
    expect(await loadCircuitSnapshot(client, 'nothing', { prefix })).toBeUndefined();
    await client.set(`${prefix}junk:snapshot`, 'not json');
    expect(await loadCircuitSnapshot(client, 'junk', { prefix })).toBeUndefined();
    await client.set(`${prefix}junk:snapshot`, '{"at":"x"}');
    expect(await loadCircuitSnapshot(client, 'junk', { prefix })).toBeUndefined();
    await client.set(`${prefix}junk:snapshot`, '{"at":1,"snapshot":null}');
    expect(await loadCircuitSnapshot(client, 'junk', { prefix })).toBeUndefined();
  });

  it('keeps a consecutive-failures window as it was', async () => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive-failures', failures: 3 } });
    await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    await saveCircuitSnapshot(client, 'count', breaker.snapshot(), { prefix });
    const loaded = await loadCircuitSnapshot(client, 'count', { prefix });
    expect(loaded?.window).toEqual({ kind: 'consecutive-failures', failures: 1 });
  });

  it('rejects bad arguments with the clear error', async () => {
    await expect(loadCircuitSnapshot(client, '' as never)).rejects.toThrow(
      '@dyno/breaker-redis: option `circuit` must be a non-empty string; received ""',
    );
    await expect(
      saveCircuitSnapshot(client, 'x', new CircuitBreaker().snapshot(), { timeout: -1 }),
    ).rejects.toThrow(RangeError);
    await expect(loadCircuitSnapshot(client, 'x', { ttl: 'long' } as never)).rejects.toThrow(
      TypeError,
    );
  });

  it('refuses to save what is not a snapshot, keeping the one saved before', async () => {
    await saveCircuitSnapshot(client, 'kept', new CircuitBreaker().snapshot(), { prefix });
    for (const junk of [undefined, {}, 'hello', { version: 1, state: 'open' }]) {
      const error = await saveCircuitSnapshot(client, 'kept', junk as never, { prefix }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(
        /^@dyno\/breaker-redis: `snapshot` must be a breaker's `snapshot\(\)`; received /,
      );
    }
    expect((await loadCircuitSnapshot(client, 'kept', { prefix }))?.state).toBe('closed');
  });

  it('saves under the dyno:fleet: prefix by default', async () => {
    const circuit = `${prefix}default`;
    const key = `dyno:fleet:${circuit}:snapshot`;
    try {
      await saveCircuitSnapshot(client, circuit, new CircuitBreaker().snapshot());
      expect(await client.exists(key)).toBe(1);
      expect((await loadCircuitSnapshot(client, circuit))?.state).toBe('closed');
    } finally {
      await client.del(key);
    }
  });

  it('answers undefined when the key holds JSON null', async () => {
    await client.set(`${prefix}null:snapshot`, 'null');
    expect(await loadCircuitSnapshot(client, 'null', { prefix })).toBeUndefined();
  });

  it('names the circuit when saving under a bad one', async () => {
    const error = await saveCircuitSnapshot(client, '', new CircuitBreaker().snapshot()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(
      '@dyno/breaker-redis: option `circuit` must be a non-empty string; received ""',
    );
  });

  it('rejects when Redis does not answer within the timeout', async () => {
    const clock = new ManualClock();
    const hung = { status: 'ready', evalsha: () => new Promise(() => {}) } as unknown as Redis;
    const loading = loadCircuitSnapshot(hung, 'x', { clock, timeout: 100 }).catch(
      (e: unknown) => e,
    );
    await clock.advance(100);
    expect(await loading).toMatchObject({ message: '@dyno/breaker-redis: Redis took over 100 ms' });
  });
});
