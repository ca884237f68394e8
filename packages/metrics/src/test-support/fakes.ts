import { EventEmitter } from '@dyno/core';

/** A breaker shaped like @dyno/breaker's, driven by hand. */
export class FakeBreaker {
  state = 'closed';
  readonly stateChange = new EventEmitter<{ name: string; from: string; to: string }>();
  readonly success = new EventEmitter<{ name: string; duration: number }>();
  readonly failure = new EventEmitter<{ name: string; duration: number; error: unknown }>();
  readonly reject = new EventEmitter<{ name: string; state: string }>();
  readonly onStateChange = this.stateChange.event;
  readonly onSuccess = this.success.event;
  readonly onFailure = this.failure.event;
  readonly onReject = this.reject.event;
  constructor(readonly name = 'breaker') {}

  moveTo(to: string): void {
    const from = this.state;
    this.state = to;
    this.stateChange.emit({ name: this.name, from, to });
  }
}

/** A pool shaped like @dyno/pool's, driven by hand. */
export class FakePool {
  active = 0;
  queued = 0;
  started = 0;
  /** `@dyno/pool`'s gauge; left `undefined`, the pool of a package that has none. */
  abandoned: number | undefined = undefined;
  /** `@dyno/pool`'s limit now and adaptive settings; left `undefined`, a pool without them. */
  limit: number | undefined = undefined;
  adaptive: { min: number; max: number } | undefined = undefined;
  readonly start = new EventEmitter<{
    name: string;
    active: number;
    queued: number;
    waited: number;
  }>();
  readonly rejected = new EventEmitter<{ name: string; reason: string }>();
  readonly settle = new EventEmitter<{ name: string; duration: number; outcome: string }>();
  readonly onStart = this.start.event;
  readonly onReject = this.rejected.event;
  readonly onSettle = this.settle.event;
  constructor(
    readonly name = 'pool',
    readonly concurrency = 4,
    readonly queue = 8,
  ) {}

  run(): void {
    this.active++;
    this.started++;
    this.start.emit({ name: this.name, active: this.active, queued: this.queued, waited: 0 });
  }

  done(outcome: string, duration: number): void {
    this.active--;
    this.settle.emit({ name: this.name, duration, outcome });
  }

  refuse(): void {
    this.rejected.emit({ name: this.name, reason: 'queue-full' });
  }
}

/** A retry shaped like @dyno/retry's. */
export class FakeRetry {
  readonly retry = new EventEmitter<{ name: string; attempt: number; delay: number }>();
  readonly onRetry = this.retry.event;
  constructor(readonly name = 'retry') {}
}

/** A cache shaped like @dyno/cache's (its events only), driven by hand. */
/** A two-tier cache store's events (`@dyno/cache-redis`'s `TieredStore`): bus state, absorbed failures. */
export class FakeTieredStore {
  readonly state = new EventEmitter<{ name: string; connected: boolean }>();
  readonly error = new EventEmitter<{ name: string; during: string; key: string }>();
  readonly onBusState = this.state.event;
  readonly onError = this.error.event;

  /** The bus drops and comes back; a publish fails; a Redis read fails. */
  busy(): void {
    this.state.emit({ name: 'tier', connected: false });
    this.state.emit({ name: 'tier', connected: true });
    this.error.emit({ name: 'tier', during: 'publish', key: 'k' });
    this.error.emit({ name: 'tier', during: 'read', key: 'k' });
  }
}

export class FakeCache {
  readonly hit = new EventEmitter<{ name: string; key: string; stale: boolean }>();
  readonly miss = new EventEmitter<{ name: string; key: string }>();
  readonly stale = new EventEmitter<{ name: string; key: string; reason: string; age: number }>();
  readonly refresh = new EventEmitter<{ name: string; key: string; reason: string }>();
  readonly load = new EventEmitter<{
    name: string;
    key: string;
    duration: number;
    outcome: string;
    background: boolean;
  }>();
  readonly error = new EventEmitter<{
    name: string;
    key: string;
    during: string;
    error: unknown;
  }>();
  readonly onHit = this.hit.event;
  readonly onMiss = this.miss.event;
  readonly onStale = this.stale.event;
  readonly onRefresh = this.refresh.event;
  readonly onLoad = this.load.event;
  readonly onError = this.error.event;
  readonly circuit = new EventEmitter<{ name: string; state: string }>();
  readonly onStoreCircuit = this.circuit.event;
  constructor(
    readonly name = 'cache',
    readonly store?: object,
  ) {}

  /** One of each: a stale hit while refreshing, a miss with a load, a store error. */
  busy(): void {
    this.hit.emit({ name: this.name, key: 'a', stale: false });
    this.hit.emit({ name: this.name, key: 'b', stale: true });
    this.stale.emit({ name: this.name, key: 'b', reason: 'revalidate', age: 5 });
    this.refresh.emit({ name: this.name, key: 'b', reason: 'early' });
    this.miss.emit({ name: this.name, key: 'c' });
    this.load.emit({
      name: this.name,
      key: 'c',
      duration: 30,
      outcome: 'success',
      background: false,
    });
    this.load.emit({
      name: this.name,
      key: 'b',
      duration: 20,
      outcome: 'failure',
      background: true,
    });
    this.load.emit({
      name: this.name,
      key: 'd',
      duration: 50,
      outcome: 'timeout',
      background: false,
    });
    this.error.emit({ name: this.name, key: 'b', during: 'load', error: new Error('x') });
    this.error.emit({ name: this.name, key: 'e', during: 'store', error: new Error('down') });
  }
}

/** An HTTP source shaped like a `@dyno/fetch` origin's, driven by hand. */
export class FakeHttp {
  readonly response = new EventEmitter<{ name: string; status: number }>();
  readonly onResponse = this.response.event;
  constructor(readonly name = 'http') {}

  /** One response per status given. */
  answer(...statuses: number[]): void {
    for (const status of statuses) this.response.emit({ name: this.name, status });
  }
}

/** A hedge shaped like @dyno/hedge's (its events only); `refusing: false` has no `onRefuse`. */
export class FakeHedge {
  readonly hedge = new EventEmitter<{ name: string; attempt: number; trigger: string }>();
  readonly win = new EventEmitter<{ name: string; attempt: number }>();
  readonly refuse = new EventEmitter<{ name: string; attempt: number }>();
  readonly onHedge = this.hedge.event;
  readonly onWin = this.win.event;
  readonly onRefuse?: typeof this.refuse.event;
  constructor(
    readonly name = 'hedge',
    refusing = true,
  ) {
    if (refusing) this.onRefuse = this.refuse.event;
  }

  /** `hedges` extra attempts, `wins` of which win, and `refused` refused by the budget. */
  run(hedges: number, wins: number, refused = 0): void {
    for (let i = 0; i < hedges; i++)
      this.hedge.emit({ name: this.name, attempt: 2, trigger: 'delay' });
    for (let i = 0; i < wins; i++) this.win.emit({ name: this.name, attempt: 2 });
    for (let i = 0; i < refused; i++) this.refuse.emit({ name: this.name, attempt: 2 });
  }
}

/** A fleet rate limiter shaped like @dyno/pool-redis's `RedisRateLimiter`, driven by hand. */
export class FakeRateLimiter {
  redisState: string | undefined = 'closed';
  readonly decision = new EventEmitter<{
    name: string;
    key: string;
    admitted: boolean;
    wait: number;
    source: string;
  }>();
  readonly redisError = new EventEmitter<{ name: string; key: string; during: string }>();
  readonly onDecision = this.decision.event;
  readonly onRedisError = this.redisError.event;
  constructor(readonly name = 'limiter') {}

  decide(admitted: boolean, source = 'redis'): void {
    this.decision.emit({ name: this.name, key: 'default', admitted, wait: 0, source });
  }

  fail(): void {
    this.redisError.emit({ name: this.name, key: 'default', during: 'decide' });
  }
}

/** A fleet circuit shaped like @dyno/breaker-redis's `FleetCircuit`, driven by hand. */
export class FakeFleetCircuit {
  view = { name: 'fleet', live: 1, open: 0, isolating: false, connected: true };
  readonly viewChange = new EventEmitter<typeof this.view>();
  readonly redisError = new EventEmitter<{ name: string; during: string; error: unknown }>();
  readonly onView = this.viewChange.event;
  readonly onRedisError = this.redisError.event;
  constructor(readonly name = 'fleet') {
    this.view = { ...this.view, name };
  }

  /** Changes the view and tells the listeners, as a heartbeat or a message would. */
  see(change: Partial<Omit<typeof this.view, 'name'>>): void {
    this.view = { ...this.view, ...change };
    this.viewChange.emit(this.view);
  }

  fail(): void {
    this.redisError.emit({ name: this.name, during: 'heartbeat', error: new Error('down') });
  }
}

/** A load shedder shaped like @dyno/shed's `Shedder`, driven by hand. */
export class FakeShedder {
  readonly admit = new EventEmitter<{
    name: string;
    priority: string;
    active: number;
    limit: number;
  }>();
  readonly shedding = new EventEmitter<{
    name: string;
    priority: string;
    reason: string;
    active: number;
    limit: number;
    eventLoopDelay: number;
  }>();
  readonly onAdmit = this.admit.event;
  readonly onShed = this.shedding.event;
  constructor(readonly name = 'shed') {}

  /** Lets `count` requests of class `priority` through. */
  let(priority: string, count = 1): void {
    for (let i = 0; i < count; i++)
      this.admit.emit({ name: this.name, priority, active: 1, limit: 10 });
  }

  /** Sheds `count` requests of class `priority` for `reason`. */
  refuse(reason: string, priority: string, count = 1): void {
    for (let i = 0; i < count; i++) {
      this.shedding.emit({
        name: this.name,
        priority,
        reason,
        active: 10,
        limit: 10,
        eventLoopDelay: 0,
      });
    }
  }
}
