import { CircuitBreaker } from '@dyno/breaker';
import { deferred, flushPromises } from '@dyno/core/testing';
import type { Redis } from 'ioredis';
import { FleetCircuit } from './fleet-circuit.js';
import { FakeSubscriber, QUORUM, scriptedFleet } from './test-support/scripted-fleet.js';

describe('FleetCircuit options', () => {
  const client = { evalsha() {}, eval() {}, publish() {}, duplicate() {} } as unknown as Redis;
  const breaker = new CircuitBreaker();

  it('requires a breaker and a client', () => {
    expect(() => new FleetCircuit({ client } as never)).toThrow(
      new TypeError('@dyno/breaker-redis: option `breaker` is required; received undefined'),
    );
    expect(() => new FleetCircuit({ breaker } as never)).toThrow(TypeError);
    expect(() => new FleetCircuit({ breaker: {} as never, client })).toThrow(
      '@dyno/breaker-redis: option `breaker` must be a CircuitBreaker; received an object',
    );
  });

  it('refuses a breaker without a name or a state, which would share the circuit "undefined"', () => {
    const methods = { isolate: () => ({ dispose() {} }), onStateChange: () => ({ dispose() {} }) };
    const subscriber = new FakeSubscriber() as unknown as Redis;
    for (const bad of [methods, { ...methods, state: 'closed' }, { ...methods, name: 'a' }]) {
      const make = () => new FleetCircuit({ breaker: bad as never, client, subscriber });
      expect(make).toThrow(
        new TypeError(
          '@dyno/breaker-redis: option `breaker` must be a CircuitBreaker; received an object',
        ),
      );
      expect(make).toThrow(TypeError);
    }
  });

  it('refuses a breaker whose onStateChange returns no Disposable, and stays inert', () => {
    const evalsha = jest.fn(() => new Promise(() => {}));
    const other = { ...client, status: 'ready', evalsha } as unknown as Redis;
    const subscriber = new FakeSubscriber() as unknown as Redis;
    let listener: (event: { to: string }) => void = () => {};
    const odd = {
      name: 'odd',
      state: 'closed',
      isolate: () => ({ dispose() {} }),
      onStateChange(l: (event: { to: string }) => void) {
        listener = l;
      },
    };
    expect(() => new FleetCircuit({ breaker: odd as never, client: other, subscriber })).toThrow(
      new TypeError(
        "@dyno/breaker-redis: option `breaker`'s `onStateChange` must return a Disposable; received undefined",
      ),
    );
    listener({ to: 'open' }); // the listener left on the breaker starts no heartbeat
    expect(evalsha).not.toHaveBeenCalled();
  });

  it('names the option, the range and the value it received', () => {
    expect(() => new FleetCircuit({ breaker, client, heartbeat: 0 })).toThrow(RangeError);
    expect(() => new FleetCircuit({ breaker, client, quorum: { ratio: 2 } })).toThrow(
      '@dyno/breaker-redis: option `quorum.ratio` must be a ratio from 0 to 1; received 2',
    );
    expect(() => new FleetCircuit({ breaker, client, quorum: { min: 0 } })).toThrow(RangeError);
    expect(() => new FleetCircuit({ breaker, client, quorum: { size: 1 } as never })).toThrow(
      TypeError,
    );
    expect(() => new FleetCircuit({ breaker, client, every: 1 } as never)).toThrow(
      /unknown option `every`/,
    );
    expect(() => new FleetCircuit({ breaker, client, heartbeat: 1000, memberTtl: 1000 })).toThrow(
      new RangeError(
        '@dyno/breaker-redis: option `memberTtl` must be longer than `heartbeat` (1000), or a member counts as gone between its heartbeats; received 1000',
      ),
    );
    expect(() => new FleetCircuit({ breaker, client, memberTtl: 500 })).toThrow(RangeError);
  });
});

describe('FleetCircuit without Redis', () => {
  it('isolates on a quorum, and works alone once Redis is out of reach for memberTtl', async () => {
    let answer: () => unknown = () => Promise.resolve(QUORUM);
    const { clock, breaker, fleet, views, errors } = scriptedFleet(() => answer());
    await flushPromises();
    expect(breaker.state).toBe('isolated');
    expect(views.at(-1)).toEqual({
      name: 'fleet',
      live: 4,
      open: 3,
      isolating: true,
      connected: true,
    });
    answer = () => Promise.reject(new Error('ECONNREFUSED'));
    await clock.advance(100);
    await clock.advance(100);
    expect(breaker.state).toBe('isolated'); // what it knew still holds for memberTtl (300 ms)
    await clock.advance(100);
    await clock.advance(100);
    expect(breaker.state).toBe('closed');
    expect(views.at(-1)).toMatchObject({ live: 0, open: 0, isolating: false, connected: false });
    expect(errors[0]).toMatchObject({ name: 'fleet', during: 'heartbeat' });
    expect(errors[0]?.error).toHaveProperty('message', '@dyno/breaker-redis: Redis failed');
    // Redis is back: it rejoins and the quorum isolates it again
    answer = () => Promise.resolve(QUORUM);
    await clock.advance(100);
    expect(breaker.state).toBe('isolated');
    fleet.dispose();
  });

  it('bounds a heartbeat Redis never answers by `timeout`, and sends one at a time', async () => {
    const { clock, client, fleet, errors } = scriptedFleet(() => new Promise(() => {}), {
      timeout: 250,
    });
    await clock.advance(200);
    expect(client.evalsha).toHaveBeenCalledTimes(1); // the hung one is not piled on
    await clock.advance(50);
    expect(errors[0]?.error).toHaveProperty(
      'message',
      '@dyno/breaker-redis: Redis took over 250 ms',
    );
    await clock.advance(100);
    expect(client.evalsha).toHaveBeenCalledTimes(2);
    fleet.dispose();
    // the second heartbeat's timeout and the leave script's, each cleared when it settles
    expect(clock.pending).toBe(2);
  });

  it('asks nothing while ioredis is reconnecting', async () => {
    const { clock, client, fleet, errors } = scriptedFleet(() => Promise.resolve([]));
    await flushPromises();
    client.status = 'reconnecting';
    await clock.advance(100);
    expect(client.evalsha).toHaveBeenCalledTimes(1);
    expect(errors[0]?.error).toHaveProperty(
      'message',
      '@dyno/breaker-redis: Redis is not connected (reconnecting)',
    );
    fleet.dispose();
  });

  it('publishes a state change made while a heartbeat runs right after it', async () => {
    const first = deferred<unknown>();
    const calls: unknown[][] = [];
    const { breaker, fleet } = scriptedFleet((args) => {
      calls.push(args);
      return calls.length === 1 ? first.promise : Promise.resolve(['me', 'open']);
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    expect(calls).toHaveLength(1);
    first.resolve(['me', 'closed']);
    await flushPromises();
    expect(calls).toHaveLength(2);
    // ARGV: id, state, ttl, channel, publish
    expect(calls[1]?.slice(4)).toEqual(['me', 'open', 300, 'dyno:fleet:dep:bus', '1']);
    fleet.dispose();
  });

  it('publishes again a state a failed heartbeat could not publish', async () => {
    let fail = true;
    const calls: unknown[][] = [];
    const { clock, fleet } = scriptedFleet((args) => {
      calls.push(args);
      return fail ? Promise.reject(new Error('down')) : Promise.resolve([]);
    });
    await flushPromises();
    fail = false;
    await clock.advance(100);
    expect(calls.map((c) => c.at(-1))).toEqual(['1', '1']);
    await clock.advance(100);
    expect(calls.map((c) => c.at(-1))).toEqual(['1', '1', '0']);
    fleet.dispose();
  });

  it('lets go of the isolation when the breaker is closed by hand, and takes it again on the next view', async () => {
    const { clock, breaker, fleet } = scriptedFleet(() => Promise.resolve(QUORUM));
    await flushPromises();
    expect(fleet.isolating).toBe(true);
    breaker.close();
    expect(fleet.isolating).toBe(false);
    await clock.advance(100);
    expect(breaker.state).toBe('isolated');
    fleet.dispose();
    expect(breaker.state).toBe('closed');
  });

  it('holds no isolation that a listener of it ended at once, and isolates again on the next view', async () => {
    const { breaker, fleet, views } = scriptedFleet(() => Promise.resolve(QUORUM));
    const once = breaker.onBreak(() => {
      once.dispose();
      breaker.close();
    });
    await flushPromises();
    // the first view isolated it and the listener closed it at once; the heartbeat that
    // published the change brought the next view, which isolated it again
    expect(views.map((v) => v.isolating)).toEqual([false, true]);
    expect(breaker.state).toBe('isolated');
    expect(fleet.isolating).toBe(true);
    fleet.dispose();
    expect(breaker.state).toBe('closed');
  });

  it('leaves on dispose: no timer, no listener, its own subscriber closed; idempotent', async () => {
    const { clock, client, subscriber, breaker, fleet } = scriptedFleet(() => Promise.resolve([]));
    await flushPromises();
    fleet.dispose();
    fleet.dispose();
    await flushPromises();
    expect(clock.pending).toBe(0);
    expect(subscriber.disconnect).toHaveBeenCalledTimes(1);
    expect(subscriber.listenerCount('message')).toBe(0);
    // the leave script ran
    expect(client.evalsha).toHaveBeenCalledTimes(2);
    breaker.isolate('by hand');
    await clock.advance(1000);
    expect(client.evalsha).toHaveBeenCalledTimes(2);
  });

  it('only unsubscribes a subscriber it was given', async () => {
    const given = new FakeSubscriber();
    const { fleet } = scriptedFleet(() => Promise.resolve([]), {
      subscriber: given as unknown as Redis,
    });
    expect(given.subscribe).toHaveBeenCalledWith('dyno:fleet:dep:bus');
    given.emit('ready');
    expect(given.subscribe).toHaveBeenCalledTimes(2);
    fleet.dispose();
    expect(given.disconnect).not.toHaveBeenCalled();
    expect(given.unsubscribe).toHaveBeenCalledWith('dyno:fleet:dep:bus');
  });

  it('reports a failed subscription and a failed leave', async () => {
    const { subscriber, client, fleet, errors } = scriptedFleet(() => Promise.resolve([]));
    subscriber.subscribe.mockImplementation(() => Promise.reject(new Error('no')));
    subscriber.emit('ready');
    await flushPromises();
    client.evalsha.mockImplementation(() => Promise.reject(new Error('gone')));
    fleet.dispose();
    await flushPromises();
    expect(errors.map((e) => e.during)).toEqual(['subscribe', 'leave']);
  });

  it('applies messages from other members and ignores its own and other channels', async () => {
    const { subscriber, breaker, fleet } = scriptedFleet(() => Promise.resolve(['me', 'closed']));
    await flushPromises();
    const channel = 'dyno:fleet:dep:bus';
    subscriber.emit('message', channel, JSON.stringify({ i: 'a', s: 'open' }));
    subscriber.emit('message', channel, JSON.stringify({ i: 'me', s: 'open' }));
    subscriber.emit('message', 'other', JSON.stringify({ i: 'b', s: 'open' }));
    expect(fleet.view).toMatchObject({ live: 2, open: 1 });
    subscriber.emit('message', channel, JSON.stringify({ i: 'b', s: 'open' }));
    expect(fleet.view).toMatchObject({ live: 3, open: 2 });
    expect(breaker.state).toBe('isolated');
    subscriber.emit('message', channel, JSON.stringify({ i: 'b', s: 'left' }));
    expect(breaker.state).toBe('closed');
    fleet.dispose();
  });

  it('loads its script with EVAL when Redis answers NOSCRIPT', async () => {
    const { client, fleet } = scriptedFleet(() =>
      Promise.reject(new Error('NOSCRIPT No matching script.')),
    );
    client.eval.mockImplementation(() => Promise.resolve(['me', 'closed']));
    await flushPromises();
    expect(fleet.view).toMatchObject({ live: 1, connected: true });
    fleet.dispose();
  });
});
