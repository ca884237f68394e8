import type { CircuitBreaker } from '@dyno/breaker';
import { type Clock, systemClock } from '@dyno/core';
import { deferred, flushPromises, ManualClock } from '@dyno/core/testing';
import { redisForTests, type TestRedis, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { FleetCircuit } from './fleet-circuit.js';
import type { FleetBreaker } from './options.js';
import { FakeSubscriber, QUORUM, scriptedFleet } from './test-support/scripted-fleet.js';

const fleets: FleetCircuit[] = [];

afterEach(() => {
  for (const f of fleets.splice(0)) f.dispose();
});

/** `scriptedFleet`, disposed after the test. */
function scripted(...args: Parameters<typeof scriptedFleet>) {
  const made = scriptedFleet(...args);
  fleets.push(made.fleet);
  return made;
}

const CALM = ['me', 'closed', 'a', 'closed'];
const CHANNEL = 'dyno:fleet:dep:bus';

const fail = (breaker: CircuitBreaker) =>
  breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});

describe('FleetCircuit identity', () => {
  it('tells its id, the given one or a random one', () => {
    expect(scripted(() => Promise.resolve([])).fleet.id).toBe('me');
    expect(scripted(() => Promise.resolve([]), { id: undefined }).fleet.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('names itself fleet-circuit#<n> by default', () => {
    const { fleet } = scripted(() => Promise.resolve([]), { name: undefined });
    expect(fleet.name).toMatch(/^fleet-circuit#\d+$/);
  });
});

describe('FleetCircuit options', () => {
  const client = { evalsha() {}, eval() {}, publish() {}, duplicate() {} } as unknown as Redis;

  it('refuses a breaker that is not an object, or lacks a method, with a clear TypeError', () => {
    const bad = (breaker: unknown) => () => new FleetCircuit({ breaker, client } as never);
    const message = (received: string) =>
      new TypeError(
        `@dyno/breaker-redis: option \`breaker\` must be a CircuitBreaker; received ${received}`,
      );
    expect(bad(null)).toThrow(message('null'));
    expect(bad('payments')).toThrow(message('"payments"'));
    expect(bad({ isolate() {} })).toThrow(message('an object'));
    // toThrow(error) compares messages only: the class is asserted apart
    expect(bad('payments')).toThrow(TypeError);
    expect(bad({ isolate() {} })).toThrow(TypeError);
  });
});

describe('FleetCircuit decisions on scripted heartbeat answers', () => {
  it('isolates with a FleetOpenError that says how many of how many members report open', async () => {
    const { breaker } = scripted(() => Promise.resolve(QUORUM));
    await flushPromises();
    const refused = await breaker.execute(() => 1).catch((e: unknown) => e);
    expect((refused as { reason: Error }).reason.message).toBe(
      '@dyno/breaker-redis: 3 of 4 live members report the circuit open',
    );
  });

  it('leaves a breaker that opened on its own alone when the quorum forms', async () => {
    const { breaker, fleet } = scripted(() => Promise.resolve(QUORUM));
    await fail(breaker);
    await flushPromises();
    expect(breaker.state).toBe('open');
    expect(fleet.isolating).toBe(false);
  });

  it('holds one isolation across heartbeats, so the breaker closes when the quorum ends', async () => {
    let answer = QUORUM;
    const { clock, breaker } = scripted(() => Promise.resolve(answer));
    await flushPromises();
    await clock.advance(100);
    await clock.advance(100);
    expect(breaker.state).toBe('isolated');
    answer = CALM;
    await clock.advance(100);
    expect(breaker.state).toBe('closed');
  });

  it('tells view listeners only what changed, each field on its own', async () => {
    let answer = CALM;
    const { clock, breaker, views } = scripted(() => Promise.resolve(answer));
    await flushPromises();
    await clock.advance(100); // the same answer: nothing to tell
    answer = ['me', 'closed', 'a', 'closed', 'b', 'closed'];
    await clock.advance(100); // live only
    answer = ['me', 'closed', 'a', 'open', 'b', 'closed'];
    await clock.advance(100); // open only
    answer = ['me', 'open', 'a', 'open', 'b', 'closed'];
    await fail(breaker); // a quorum, but open on its own: open only
    await flushPromises();
    breaker.close(); // the same answer, and now it isolates: isolating only
    await flushPromises();
    expect(views.map(({ live, open, isolating }) => [live, open, isolating])).toEqual([
      [2, 0, false],
      [3, 0, false],
      [3, 1, false],
      [3, 2, false],
      [3, 2, true],
    ]);
  });

  it('keeps the view for exactly memberTtl after the last heartbeat answer', async () => {
    let answer: () => unknown = () => Promise.resolve(['me', 'closed']);
    const { clock, subscriber, breaker, fleet } = scripted(() => answer(), {
      heartbeat: 1000,
      memberTtl: 1300,
    });
    await flushPromises();
    answer = () => new Promise(() => {}); // the next heartbeat, at 1000, hangs
    await clock.advance(1300);
    expect(fleet.view.connected).toBe(true);
    // news by pub/sub still counts while the view is fresh
    subscriber.emit('message', CHANNEL, JSON.stringify({ i: 'a', s: 'open' }));
    subscriber.emit('message', CHANNEL, JSON.stringify({ i: 'b', s: 'open' }));
    expect(breaker.state).toBe('isolated');
    await clock.advance(1);
    expect(fleet.view.connected).toBe(false);
    // past memberTtl the fleet is forgotten, whatever pub/sub still says
    subscriber.emit('message', CHANNEL, JSON.stringify({ i: 'c', s: 'open' }));
    expect(fleet.view).toMatchObject({ live: 0, open: 0, isolating: false });
    expect(breaker.state).toBe('closed');
  });

  it('ignores a heartbeat answer that comes after dispose', async () => {
    const late = deferred<unknown>();
    let calls = 0;
    const { breaker, fleet } = scripted(() => (++calls === 1 ? late.promise : Promise.resolve(1)));
    fleet.dispose();
    late.resolve(QUORUM);
    await flushPromises();
    expect(fleet.view).toMatchObject({ live: 0, open: 0, isolating: false });
    expect(breaker.state).toBe('closed');
  });

  it('owes no publish after a failed heartbeat that had nothing to publish', async () => {
    const calls: unknown[][] = [];
    const { clock } = scripted((args) => {
      calls.push(args);
      return calls.length === 2 ? Promise.reject(new Error('down')) : Promise.resolve([]);
    });
    await flushPromises();
    await clock.advance(100);
    await clock.advance(100);
    expect(calls.map((c) => c.at(-1))).toEqual(['1', '0', '0']);
  });

  it('beats no more once disposed, even when the breaker still calls its listener', async () => {
    const clock = new ManualClock();
    let listener: (event: { to: string }) => void = () => {};
    const breaker: FleetBreaker = {
      name: 'dep',
      state: 'closed',
      isolate: () => ({ dispose() {} }),
      onStateChange: (l) => {
        listener = l;
        return { dispose() {} }; // a breaker that keeps calling
      },
    };
    const subscriber = new FakeSubscriber();
    const evalsha = jest.fn(() => Promise.resolve([]));
    const client = {
      status: 'ready',
      evalsha,
      eval() {},
      publish() {},
      duplicate: () => subscriber,
    };
    const fleet = new FleetCircuit({ breaker, client: client as never, clock, heartbeat: 100 });
    await flushPromises();
    fleet.dispose();
    await flushPromises();
    expect(evalsha).toHaveBeenCalledTimes(2); // a heartbeat and the leave
    listener({ to: 'open' });
    await flushPromises();
    expect(evalsha).toHaveBeenCalledTimes(2);
    expect(clock.pending).toBe(0);
  });

  it('keeps its isolation when the breaker reports "isolated" after isolate() returned', async () => {
    // a FleetBreaker (the shape, not @dyno/breaker) that delivers its state changes late
    const listeners: ((event: { to: string }) => void)[] = [];
    const tell = (to: string) =>
      queueMicrotask(() => {
        for (const l of listeners) l({ to });
      });
    let holds = 0;
    const breaker = {
      name: 'dep',
      state: 'closed',
      isolate() {
        if (holds++ === 0) {
          breaker.state = 'isolated';
          tell('isolated');
        }
        return {
          dispose() {
            if (--holds === 0) {
              breaker.state = 'closed';
              tell('closed');
            }
          },
        };
      },
      onStateChange(listener: (event: { to: string }) => void) {
        listeners.push(listener);
        return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
      },
    };
    let answer = QUORUM;
    const { clock, fleet } = scripted(() => Promise.resolve(answer), { breaker });
    await flushPromises();
    expect(breaker.state).toBe('isolated');
    expect(fleet.isolating).toBe(true);
    answer = CALM;
    await clock.advance(100);
    expect(breaker.state).toBe('closed');
  });

  it('says what it received when a message is not a fleet message, cut at 100 characters', () => {
    const { subscriber, errors } = scripted(() => Promise.resolve([]));
    const long = JSON.stringify({ i: 5, pad: 'x'.repeat(200) });
    subscriber.emit('message', CHANNEL, '{"i":5}');
    subscriber.emit('message', CHANNEL, long);
    expect(errors.map((e) => (e.error as Error).message)).toEqual([
      'not a fleet message: {"i":5}',
      `not a fleet message: ${long.slice(0, 100)}`,
    ]);
  });

  it('reports a Redis that fails without a reason as a CommandError "Redis failed"', async () => {
    const { errors } = scripted(() => Promise.reject(undefined));
    await flushPromises();
    const error = errors[0]?.error as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CommandError');
    expect(error.message).toBe('@dyno/breaker-redis: Redis failed');
    expect(error.cause).toBeUndefined();
  });

  it('never keeps the process alive with its heartbeat timer', () => {
    const handles: NodeJS.Timeout[] = [];
    const clock: Clock = {
      now: () => systemClock.now(),
      setTimeout: (fn, ms) => {
        const handle = setTimeout(fn, ms);
        handles.push(handle);
        return handle;
      },
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    scripted(() => Promise.resolve([]), { clock, heartbeat: 60_000 });
    const heartbeat = handles[0];
    expect(heartbeat?.hasRef()).toBe(false);
  });
});

describe('FleetCircuit on a real Redis', () => {
  let server: TestRedis;
  let admin: Redis;
  const prefix = uniquePrefix('fleet-mutation');
  const clients: Redis[] = [];
  const connect = () => {
    const c = new Redis(server.url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await redisForTests();
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    for (const f of fleets.splice(0)) f.dispose();
    await admin.ping(); // after the leave scripts, sent first on their clients
    for (const c of clients) await c.quit();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    await server.stop();
  });

  const stub = (state: string): FleetBreaker => ({
    name: 'stub',
    state,
    isolate: () => ({ dispose() {} }),
    onStateChange: () => ({ dispose() {} }),
  });

  it('reports its breaker state to the fleet, isolated and disabled included, anything else as closed', async () => {
    const client = connect();
    const subscriber = connect();
    const clock = new ManualClock();
    const states = ['closed', 'open', 'half-open', 'isolated', 'disabled', 'tripped'];
    for (const state of states) {
      fleets.push(
        new FleetCircuit({
          breaker: stub(state),
          client,
          subscriber,
          clock,
          prefix,
          circuit: 'reported',
          id: state,
        }),
      );
    }
    const key = `${prefix}reported:states`;
    let reported: Record<string, string> = {};
    for (let i = 0; i < 500 && Object.keys(reported).length < states.length; i++) {
      reported = await admin.hgetall(key); // one Redis round trip per read
    }
    expect(reported).toEqual({
      closed: 'closed',
      open: 'open',
      'half-open': 'half-open',
      isolated: 'isolated',
      disabled: 'disabled',
      tripped: 'closed',
    });
  });

  it('keeps a shared subscriber on the bus until the last of its fleets leaves', async () => {
    const client = connect();
    const subscriber = connect();
    const clock = new ManualClock();
    const [a, b, c] = ['a', 'b', 'c'].map(
      (id) =>
        new FleetCircuit({
          breaker: stub('closed'),
          client,
          subscriber,
          clock,
          prefix,
          circuit: 'shared',
          id,
        }),
    ) as [FleetCircuit, FleetCircuit, FleetCircuit];
    fleets.push(a, b, c);
    const channel = `${prefix}shared:bus`;
    await waitFor(() => c.view.live === 3, 'c sees the three');
    a.dispose();
    b.dispose();
    await subscriber.ping(); // after any UNSUBSCRIBE the two sent
    expect(await admin.publish(channel, JSON.stringify({ i: 'x', s: 'open' }))).toBe(1);
    await waitFor(() => c.view.open === 1, 'c hears x');
  });

  it('never lets an error of a given subscriber reach the process', () => {
    const subscriber = connect();
    fleets.push(
      new FleetCircuit({
        breaker: stub('closed'),
        client: connect(),
        subscriber,
        clock: new ManualClock(),
        prefix,
        circuit: 'errors',
      }),
    );
    expect(() => subscriber.emit('error', new Error('ECONNRESET'))).not.toThrow();
  });
});
