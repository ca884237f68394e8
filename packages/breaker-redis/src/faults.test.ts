import { BrokenCircuitError, CircuitBreaker } from '@dyno/breaker';
import { type Disposable, type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { startRedis, type TestRedis, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import type { FleetRedisErrorEvent, FleetViewEvent } from './events.js';
import { FleetCircuit } from './fleet-circuit.js';
import type { FleetBreaker } from './options.js';
import { loadCircuitSnapshot, saveCircuitSnapshot } from './snapshot-store.js';
import { fail, tripsAtOnce } from './test-support/breakers.js';

// Faults of the outside world on a real Redis: (a) a Redis that stops answering (CLIENT PAUSE),
// (b) garbage on the bus and under the keys, (c) things that settle twice, (d) user callbacks
// that throw. Heartbeats, command timeouts and the view's expiry run on a manual clock; only
// Redis's own answers are waited on (observable conditions, bounded).

const HEARTBEAT = 1000;
const TIMEOUT = 200;
const MEMBER_TTL = 5000;

let server: TestRedis;
let admin: Redis; // raw commands and garbage, as another process would send them
let pauser: Redis; // only pauses Redis (it is paused itself meanwhile)
const prefix = uniquePrefix('faults');
const clients: Redis[] = [];
const fleets: FleetCircuit[] = [];
let reported: ListenerErrorEvent[] = [];
let reporting: Disposable;
let circuitNo = 0;

beforeAll(async () => {
  // a server of this file's own: `CLIENT PAUSE ... ALL` would stall every other test file using
  // the shared one (CI's DYNO_REDIS_URL) at the same time
  server = await startRedis();
  admin = new Redis(server.url);
  pauser = new Redis(server.url);
});

beforeEach(() => {
  reported = [];
  reporting = onListenerError((e) => reported.push(e));
});

afterEach(() => {
  for (const f of fleets.splice(0)) f.dispose();
  reporting.dispose();
  // a test that expects listener errors takes them; any other is a fault of its own
  expect(reported).toEqual([]);
});

afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  for (const c of [...clients, admin, pauser]) await c.quit().catch(() => c.disconnect());
  await server.stop();
});

const newCircuit = () => `c${++circuitNo}`;
const keysOf = (circuit: string) => ({
  members: `${prefix}${circuit}:members`,
  states: `${prefix}${circuit}:states`,
  bus: `${prefix}${circuit}:bus`,
  snapshot: `${prefix}${circuit}:snapshot`,
});

function connection(): Redis {
  const client = new Redis(server.url);
  client.on('error', () => {});
  clients.push(client);
  return client;
}

interface Member {
  readonly breaker: CircuitBreaker;
  readonly fleet: FleetCircuit;
  readonly views: FleetViewEvent[];
  readonly errors: FleetRedisErrorEvent[];
}

/** One member of `circuit` on a real Redis, its heartbeat, timeouts and breaker on `clock`. */
function member(
  circuit: string,
  id: string,
  clock: ManualClock,
  options: { breaker?: FleetBreaker; subscriber?: Redis; memberTtl?: number } = {},
): Member {
  const breaker = tripsAtOnce(id, clock);
  const fleet = new FleetCircuit({
    breaker: options.breaker ?? breaker,
    client: connection(),
    prefix,
    circuit,
    id,
    name: `fleet-${id}`,
    clock,
    heartbeat: HEARTBEAT,
    timeout: TIMEOUT,
    memberTtl: options.memberTtl ?? MEMBER_TTL,
    ...(options.subscriber ? { subscriber: options.subscriber } : {}),
  });
  fleets.push(fleet);
  const views: FleetViewEvent[] = [];
  const errors: FleetRedisErrorEvent[] = [];
  fleet.onView((v) => views.push(v));
  fleet.onRedisError((e) => errors.push(e));
  return { breaker, fleet, views, errors };
}

/**
 * Members `ids` of a new circuit on one clock, once each sees all (a first heartbeat may run
 * before the others joined, and their announcements before its subscription: the second
 * heartbeat, one `HEARTBEAT` later on the clock, sees everybody) and each is subscribed.
 */
async function fleetOf(ids: readonly string[], clock = new ManualClock()) {
  const circuit = newCircuit();
  const members = ids.map((id) => member(circuit, id, clock));
  await joined(members, clock, circuit);
  return { circuit, clock, members, keys: keysOf(circuit) };
}

async function joined(members: readonly Member[], clock: ManualClock, circuit: string) {
  await waitFor(() => members.every((m) => m.fleet.view.connected), 'first heartbeats answered');
  await clock.advance(HEARTBEAT);
  const n = members.length;
  await waitFor(() => members.every((m) => m.fleet.view.live === n), `all see ${n} live`);
  const bus = keysOf(circuit).bus;
  await waitFor(async () => {
    const [, subscribers] = (await admin.pubsub('NUMSUB', bus)) as [string, number];
    return subscribers === n;
  }, `${n} subscribed`);
}

/** Runs `body` while Redis answers nobody for `ms` (at most 2 s); returns once it answers again. */
async function whilePaused(ms: number, body: () => Promise<void>): Promise<void> {
  await pauser.call('CLIENT', 'PAUSE', String(ms), 'ALL');
  try {
    await body();
  } finally {
    // queued behind the pause itself: answered once Redis answers again
    await pauser.call('CLIENT', 'UNPAUSE');
  }
}

/** What a Redis error event's cause says (the fleet wraps Redis's reply in a CommandError). */
const causeOf = (e: FleetRedisErrorEvent) => String((e.error as Error).cause ?? e.error);

describe('(a) a Redis that stops answering', () => {
  it('never delays a call or a state change; the change is published once Redis answers', async () => {
    const { clock, members } = await fleetOf(['a', 'b']);
    const [a, b] = members as [Member, Member];
    await whilePaused(600, async () => {
      const started = Date.now();
      await expect(a.breaker.execute(() => 'ok')).resolves.toBe('ok');
      await fail(a.breaker); // opens: the fleet's publish of it hangs
      expect(a.breaker.state).toBe('open');
      expect(Date.now() - started).toBeLessThan(400); // well inside the pause
      await clock.advance(TIMEOUT);
      expect(a.errors).toEqual([
        {
          name: 'fleet-a',
          during: 'heartbeat',
          error: expect.objectContaining({
            message: '@dyno/breaker-redis: Redis took over 200 ms',
          }),
        },
      ]);
    });
    await clock.advance(HEARTBEAT); // publishes again what the timed-out heartbeat may not have
    await waitFor(() => b.fleet.view.open === 1, 'b sees a open');
    // published twice (the late script ran, and the next heartbeat), counted once
    expect(b.fleet.view).toMatchObject({ live: 2, open: 1, connected: true });
    // no timer left behind: one heartbeat each
    await waitFor(() => clock.pending === 2, 'only the two heartbeat timers are left');
  });

  it('keeps its isolation for memberTtl without answers, then works alone; rejoins after', async () => {
    const { clock, members } = await fleetOf(['a', 'b', 'c']);
    const [a, b, c] = members as [Member, Member, Member];
    await fail(b.breaker);
    await fail(c.breaker);
    await waitFor(() => a.breaker.state === 'isolated', 'a is isolated by the quorum');
    await whilePaused(1000, async () => {
      for (let t = 0; t < MEMBER_TTL - HEARTBEAT; t += HEARTBEAT) await clock.advance(HEARTBEAT);
      expect(a.breaker.state).toBe('isolated'); // what it knew holds for memberTtl
      await clock.advance(HEARTBEAT + TIMEOUT);
      expect(a.breaker.state).toBe('closed');
      expect(a.fleet.view).toMatchObject({ live: 0, open: 0, isolating: false, connected: false });
      await expect(a.breaker.execute(() => 'alone')).resolves.toBe('alone');
      expect(a.errors.length).toBeGreaterThanOrEqual(5);
      expect(a.errors.every((e) => e.during === 'heartbeat')).toBe(true);
    });
    await clock.advance(HEARTBEAT);
    await waitFor(() => a.breaker.state === 'isolated', 'a rejoins and is isolated again');
    expect(a.fleet.view).toMatchObject({ live: 3, open: 2, connected: true });
  });

  it('dispose() returns at once, leaves no timer, and the member is removed once Redis answers', async () => {
    const { circuit, clock, members, keys } = await fleetOf(['a', 'b']);
    const [a, b] = members as [Member, Member];
    const own = new ManualClock(); // c's own clock: its timers alone
    const c = member(circuit, 'c', own);
    await waitFor(() => b.fleet.view.live === 3, 'b sees c');
    await whilePaused(600, async () => {
      const started = Date.now();
      c.fleet.dispose();
      c.fleet.dispose();
      expect(Date.now() - started).toBeLessThan(100);
      expect(own.pending).toBe(1); // the leave script's timeout
      await own.advance(TIMEOUT);
      expect(own.pending).toBe(0);
      expect(c.errors.map((e) => e.during)).toEqual(['leave']);
    });
    // the late leave ran once Redis answered again; then the next heartbeats no longer list c
    await waitFor(async () => (await admin.zscore(keys.members, 'c')) === null, 'c left');
    await clock.advance(HEARTBEAT);
    await waitFor(() => a.fleet.view.live === 2 && b.fleet.view.live === 2, 'a and b forget c');
  });

  it('a heartbeat answer that lands after dispose() changes nothing', async () => {
    const { clock, members, keys } = await fleetOf(['a', 'b', 'c']);
    const [a, b, c] = members as [Member, Member, Member];
    await fail(b.breaker);
    await fail(c.breaker);
    await waitFor(() => a.breaker.state === 'isolated', 'a is isolated');
    let seen = 0;
    await whilePaused(500, async () => {
      await clock.advance(HEARTBEAT); // a's heartbeat hangs
      a.fleet.dispose();
      expect(a.breaker.state).toBe('closed');
      seen = a.views.length;
    });
    // the late heartbeat ran before the leave (one connection): a is gone from Redis
    await waitFor(async () => (await admin.zscore(keys.members, 'a')) === null, 'a left');
    expect(a.breaker.state).toBe('closed');
    expect(a.fleet.isolating).toBe(false);
    expect(a.views).toHaveLength(seen);
  });
});

describe('(b) garbage from the outside', () => {
  it('reports and ignores what is not a fleet message on the bus, and keeps applying the rest', async () => {
    const { members, keys } = await fleetOf(['a', 'b']);
    const [a] = members as [Member];
    const garbage = [
      'not json',
      '',
      'null',
      '[]',
      '"open"',
      '42',
      '1e999',
      '{"i":5,"s":"open"}',
      '{"i":{"x":1},"s":"open"}',
      '{"i":null,"s":"open"}',
      '{"i":"x","s":1e999}',
      '{"i":"x","s":null}',
      '{"s":"open"}',
      `{"i":"${'x'.repeat(100_000)}"`,
    ];
    for (const text of garbage) await admin.publish(keys.bus, text);
    // its own id, from somebody else: ignored
    await admin.publish(keys.bus, JSON.stringify({ i: 'a', s: 'open' }));
    await admin.publish(keys.bus, JSON.stringify({ i: 'ghost', s: 'open' }));
    await waitFor(() => a.fleet.view.live === 3, 'the last, well-formed message applied');
    expect(a.errors).toHaveLength(garbage.length);
    for (const e of a.errors) {
      expect(e).toMatchObject({ name: 'fleet-a', during: 'message' });
      expect(String((e.error as Error).message).length).toBeLessThan(300);
    }
    expect(a.fleet.view).toMatchObject({ live: 3, open: 1, connected: true });
    expect(a.breaker.state).toBe('closed');
  });

  it('counts only members of the membership set: a state with no membership is nobody', async () => {
    const circuit = newCircuit();
    const keys = keysOf(circuit);
    // states written by someone else, with no membership behind them (or an expired one)
    await admin.hset(keys.states, 'ghost1', 'open', 'ghost2', 'half-open', 'odd', 'banana');
    await admin.hset(keys.states, 'big', '1e999', 'expired', 'open');
    await admin.zadd(keys.members, 1, 'expired');
    const clock = new ManualClock();
    const a = member(circuit, 'a', clock);
    await waitFor(() => a.fleet.view.connected, 'a heartbeat answered');
    expect(a.fleet.view).toMatchObject({ live: 1, open: 0 });
    expect(a.breaker.state).toBe('closed');
    expect(await admin.hexists(keys.states, 'expired')).toBe(0);
  });

  it('meets keys of the wrong type (WRONGTYPE): reported, never fails a call, rejoins when fixed', async () => {
    for (const wrong of ['members', 'states'] as const) {
      const circuit = newCircuit();
      const keys = keysOf(circuit);
      await admin.set(keys[wrong], 'not a fleet key');
      const clock = new ManualClock();
      const a = member(circuit, 'a', clock);
      await waitFor(() => a.errors.length === 1, 'the first heartbeat fails');
      expect(a.errors[0]).toMatchObject({ name: 'fleet-a', during: 'heartbeat' });
      expect(causeOf(a.errors[0] as FleetRedisErrorEvent)).toMatch(/WRONGTYPE/);
      expect(a.fleet.view).toMatchObject({ live: 0, connected: false });
      await expect(a.breaker.execute(() => 'ok')).resolves.toBe('ok');
      await admin.del(keys[wrong]);
      await clock.advance(HEARTBEAT);
      await waitFor(() => a.fleet.view.connected, `a rejoins once ${wrong} is fixed`);
      expect(a.fleet.view.live).toBe(1);
    }
  });

  it('heartbeats with a memberTtl that is not a whole number of ms, or is huge', async () => {
    for (const memberTtl of [2500.55, 2 ** 31 - 1]) {
      const circuit = newCircuit();
      const a = member(circuit, 'a', new ManualClock(), { memberTtl });
      await waitFor(() => a.fleet.view.connected || a.errors.length > 0, 'a heartbeat settles');
      expect(a.errors.map(causeOf)).toEqual([]);
      expect(a.fleet.view).toMatchObject({ live: 1, connected: true });
    }
  });

  it('loads undefined, never a snapshot the breaker refuses, from a malformed saved value', async () => {
    const good = new CircuitBreaker({ openDuration: 10_000 }).snapshot();
    const saved = (snapshot: unknown, at: unknown = 1) =>
      `{"at":${String(at)},"snapshot":${JSON.stringify(snapshot)}}`;
    const values = [
      'not json',
      '[]',
      '"x"',
      '1e999',
      saved({}),
      saved([]),
      saved({ ...good, version: 2 }),
      saved({ ...good, state: 'exploded' }),
      saved({ ...good, openRemaining: 'x' }),
      saved({ ...good, openRemaining: -5 }),
      `{"at":1,"snapshot":${JSON.stringify(good).replace('"openRemaining":0', '"openRemaining":1e999')}}`,
      saved({ ...good, reopenCount: 1.5 }),
      saved({ ...good, window: null }),
      saved({ ...good, window: { kind: 'unknown' } }),
      saved({ ...good, window: { ...good.window, elapsed: 'x' } }),
      saved({ ...good, window: { kind: 'consecutive-failures', failures: -1 } }),
      saved({ ...good, window: { kind: 'count-window', outcomes: [7] } }),
      saved(good, '-1e999'),
      saved(good, '1e999'),
      saved(good, '"yesterday"'),
    ];
    const circuit = newCircuit();
    for (const value of values) {
      await admin.set(keysOf(circuit).snapshot, value);
      const loaded = await loadCircuitSnapshot(admin, circuit, { prefix });
      expect({ value: value.slice(0, 200), loaded }).toEqual({
        value: value.slice(0, 200),
        loaded: undefined,
      });
    }
    // and the well-formed one still loads
    await admin.set(keysOf(circuit).snapshot, saved(good, Date.now()));
    const loaded = await loadCircuitSnapshot(admin, circuit, { prefix });
    expect(new CircuitBreaker({ snapshot: loaded }).state).toBe('closed');
  });

  it('rejects a load of a key of the wrong type (a Redis error), and a save replaces it', async () => {
    const circuit = newCircuit();
    const key = keysOf(circuit).snapshot;
    await admin.hset(key, 'field', 'value');
    const loading = loadCircuitSnapshot(admin, circuit, { prefix });
    await expect(loading).rejects.toMatchObject({ message: '@dyno/breaker-redis: Redis failed' });
    expect(String(((await loading.catch((e: unknown) => e)) as Error).cause)).toMatch(/WRONGTYPE/);
    const breaker = new CircuitBreaker({ name: 'snap' });
    await saveCircuitSnapshot(admin, circuit, breaker.snapshot(), { prefix });
    expect((await loadCircuitSnapshot(admin, circuit, { prefix }))?.state).toBe('closed');
  });
});

describe('(c) things that settle twice', () => {
  it('counts a transition delivered twice once, and a "left" twice or of nobody changes nothing', async () => {
    const { members, keys } = await fleetOf(['a', 'b', 'c']);
    const [a, b] = members as [Member, Member];
    await fail(b.breaker);
    await waitFor(() => a.fleet.view.open === 1, 'a sees b open');
    await admin.publish(keys.bus, JSON.stringify({ i: 'b', s: 'open' }));
    await admin.publish(keys.bus, JSON.stringify({ i: 'b', s: 'open' }));
    await admin.publish(keys.bus, JSON.stringify({ i: 'nobody', s: 'left' }));
    await admin.publish(keys.bus, JSON.stringify({ i: 'nobody', s: 'left' }));
    await admin.publish(keys.bus, JSON.stringify({ i: 'marker', s: 'closed' }));
    await waitFor(() => a.fleet.view.live === 4, 'the marker applied');
    expect(a.fleet.view).toMatchObject({ live: 4, open: 1 });
    expect(a.breaker.state).toBe('closed');
    expect(a.errors).toEqual([]);
  });

  it('forgets, at the next heartbeat, news of a member that already left', async () => {
    const { clock, members, keys } = await fleetOf(['a', 'b', 'c']);
    const [a, b, c] = members as [Member, Member, Member];
    await fail(b.breaker);
    c.fleet.dispose();
    await waitFor(() => a.fleet.view.live === 2 && a.fleet.view.open === 1, 'a sees c leave');
    // a late message of the member that left: with b, a quorum of 2 of 3 until Redis says better
    await admin.publish(keys.bus, JSON.stringify({ i: 'c', s: 'open' }));
    await waitFor(() => a.views.some((v) => v.isolating), 'the late news applied');
    // the heartbeat the isolation itself sends (or the next one) answers the truth
    await clock.advance(HEARTBEAT);
    await waitFor(() => a.breaker.state === 'closed', 'the heartbeat forgets c');
    expect(a.fleet.view).toMatchObject({ live: 2, open: 1 });
    expect(await admin.zscore(keys.members, 'c')).toBeNull();
  });
});

describe('(d) user callbacks that throw', () => {
  it('reports a throwing onView or onRedisError listener under the fleet name; goes on', async () => {
    const { members, keys } = await fleetOf(['a', 'b', 'c']);
    const [a, b, c] = members as [Member, Member, Member];
    a.fleet.onView(() => {
      throw new Error('view listener');
    });
    a.fleet.onRedisError(() => {
      throw new Error('error listener');
    });
    const after: FleetViewEvent[] = [];
    a.fleet.onView((v) => after.push(v));
    await fail(b.breaker);
    await fail(c.breaker);
    await waitFor(() => a.breaker.state === 'isolated', 'a is isolated');
    await admin.publish(keys.bus, 'not json');
    await waitFor(() => a.errors.length === 1, 'the garbage reported');
    expect(after.at(-1)).toMatchObject({ live: 3, open: 2, isolating: true });
    const sources = new Set(reported.map((r) => r.source));
    expect([...sources].sort()).toEqual([
      '@dyno/breaker-redis "fleet-a" onRedisError',
      '@dyno/breaker-redis "fleet-a" onView',
    ]);
    reported = [];
  });

  it("the breaker's own throwing listeners never stop the fleet isolating or releasing", async () => {
    const { clock, members } = await fleetOf(['a', 'b', 'c']);
    const [a, b, c] = members as [Member, Member, Member];
    a.breaker.onStateChange(() => {
      throw new Error('state listener');
    });
    a.breaker.onBreak(() => {
      throw new Error('break listener');
    });
    await fail(b.breaker);
    await fail(c.breaker);
    await waitFor(() => a.breaker.state === 'isolated', 'a is isolated');
    const refused = await a.breaker.execute(() => 1).catch((e: unknown) => e);
    expect(BrokenCircuitError.isInstance(refused)).toBe(true);
    b.breaker.close();
    c.breaker.close();
    await clock.advance(HEARTBEAT);
    await waitFor(() => a.breaker.state === 'closed', 'a is released');
    expect(new Set(reported.map((r) => r.source))).toEqual(
      new Set(['@dyno/breaker "a" onStateChange', '@dyno/breaker "a" onBreak']),
    );
    reported = [];
  });

  it('reports a breaker whose isolate() or whose isolation throws; heartbeats, messages and dispose go on', async () => {
    const clock = new ManualClock();
    const circuit = newCircuit();
    const inner = new CircuitBreaker({ name: 'a', clock });
    let throwOnIsolate = true;
    const breaker: FleetBreaker = {
      name: 'a',
      get state() {
        return inner.state;
      },
      isolate(reason) {
        if (throwOnIsolate) throw new Error('isolate');
        const isolation = inner.isolate(reason);
        return {
          dispose() {
            isolation.dispose();
            throw new Error('dispose');
          },
        };
      },
      onStateChange: (listener) => inner.onStateChange(listener),
    };
    const a = member(circuit, 'a', clock, { breaker });
    const b = member(circuit, 'b', clock);
    const c = member(circuit, 'c', clock);
    await joined([a, b, c], clock, circuit);
    await fail(b.breaker); // by message
    await fail(c.breaker);
    await waitFor(() => a.fleet.view.open === 2, 'a sees the quorum');
    await clock.advance(HEARTBEAT); // by heartbeat
    await waitFor(() => reported.length >= 2, 'each attempt reported');
    for (const r of reported) {
      expect(r).toMatchObject({
        source: '@dyno/breaker-redis "fleet-a" breaker.isolate',
        error: new Error('isolate'),
      });
    }
    expect(inner.state).toBe('closed');
    throwOnIsolate = false;
    await clock.advance(HEARTBEAT);
    await waitFor(() => inner.state === 'isolated', 'a isolates once isolate() works');
    reported = [];
    a.fleet.dispose(); // releases (which throws), then still leaves
    expect(inner.state).toBe('closed');
    expect(reported.map((r) => r.source)).toEqual([
      '@dyno/breaker-redis "fleet-a" isolation.dispose',
    ]);
    // once Redis has run the leave, b's next heartbeat no longer lists a
    await waitFor(
      async () => (await admin.zscore(keysOf(circuit).members, 'a')) === null,
      'a left',
    );
    await clock.advance(HEARTBEAT);
    await waitFor(() => b.fleet.view.live === 2, 'b sees a gone');
    reported = [];
  });

  it('a breaker whose onStateChange throws fails construction without leaving listeners behind', async () => {
    const subscriber = connection();
    const before = ['message', 'ready', 'error'].map((e) => subscriber.listenerCount(e));
    const breaker: FleetBreaker = {
      name: 'x',
      state: 'closed',
      isolate: () => ({ dispose() {} }),
      onStateChange() {
        throw new Error('no');
      },
    };
    expect(
      () =>
        new FleetCircuit({
          breaker,
          client: connection(),
          subscriber,
          prefix,
          clock: new ManualClock(),
        }),
    ).toThrow('no');
    expect(['message', 'ready', 'error'].map((e) => subscriber.listenerCount(e))).toEqual(before);
  });
});

describe('lifecycle on a subscriber the fleet was given', () => {
  it('leaves it with exactly the listeners it had, after many fleets came and went', async () => {
    const subscriber = connection();
    const before = ['message', 'ready', 'error'].map((e) => subscriber.listenerCount(e));
    const circuit = newCircuit();
    for (let i = 0; i < 12; i++) {
      const m = member(circuit, `m${i}`, new ManualClock(), { subscriber });
      await waitFor(() => m.fleet.view.connected, 'a heartbeat answered');
      m.fleet.dispose();
    }
    expect(['message', 'ready', 'error'].map((e) => subscriber.listenerCount(e))).toEqual(before);
  });
  it('keeps a shared subscriber on the bus while another fleet of the same circuit uses it', async () => {
    const clock = new ManualClock();
    const circuit = newCircuit();
    const subscriber = connection();
    const a = member(circuit, 'a', clock, { subscriber });
    const b = member(circuit, 'b', clock, { subscriber });
    const c = member(circuit, 'c', clock);
    await waitFor(() => [a, b, c].every((m) => m.fleet.view.connected), 'first heartbeats');
    await clock.advance(HEARTBEAT);
    await waitFor(() => b.fleet.view.live === 3, 'b sees 3 live');
    await waitFor(async () => {
      const [, subscribers] = (await admin.pubsub('NUMSUB', keysOf(circuit).bus)) as [
        string,
        number,
      ];
      return subscribers === 2; // the shared connection and c's own
    }, 'both connections subscribed');
    a.fleet.dispose();
    await fail(c.breaker); // c opens and says so on the bus, with no heartbeat in between
    await waitFor(() => b.fleet.view.open === 1, 'b hears c open on the bus');
  });
});
