import { EventEmitter } from '@dyno/core';

/** A breaker with the shape `Metrics.observe` reads (`@dyno/breaker`'s), moved by hand. */
export class FakeBreaker {
  state = 'closed';
  readonly #change = new EventEmitter<{ name: string; from: string; to: string }>();
  readonly onStateChange = this.#change.event;
  constructor(readonly name: string) {}

  moveTo(to: string): void {
    const from = this.state;
    this.state = to;
    this.#change.emit({ name: this.name, from, to });
  }
}

/** A pool with the shape `Metrics.observe` reads (`@dyno/pool`'s), moved by hand. */
export class FakePool {
  active = 0;
  queued = 0;
  readonly #start = new EventEmitter<{ name: string; active: number }>();
  readonly #reject = new EventEmitter<{ name: string; reason: string }>();
  readonly #settle = new EventEmitter<{ name: string; duration: number; outcome: string }>();
  abandoned: number | undefined = undefined;
  limit: number | undefined = undefined;
  adaptive: { min: number; max: number } | undefined = undefined;
  readonly onStart = this.#start.event;
  readonly onReject = this.#reject.event;
  readonly onSettle = this.#settle.event;
  constructor(
    readonly name: string,
    readonly concurrency = 4,
    readonly queue = 8,
  ) {}

  run(): void {
    this.active++;
    this.#start.emit({ name: this.name, active: this.active });
  }

  refuse(): void {
    this.#reject.emit({ name: this.name, reason: 'queue-full' });
  }
}

/** A fleet circuit with the shape `Metrics.observe` reads (`@dyno/breaker-redis`'s). */
export class FakeFleetCircuit {
  view = { live: 1, open: 0, isolating: false, connected: true };
  readonly #view = new EventEmitter<{ name: string; isolating: boolean }>();
  readonly #error = new EventEmitter<{ name: string }>();
  readonly onView = this.#view.event;
  readonly onRedisError = this.#error.event;
  constructor(readonly name: string) {}

  see(change: Partial<FakeFleetCircuit['view']>): void {
    this.view = { ...this.view, ...change };
    this.#view.emit({ name: this.name, ...this.view });
  }

  fail(): void {
    this.#error.emit({ name: this.name });
  }
}

/** A fleet rate limiter with the shape `Metrics.observe` reads (`@dyno/pool-redis`'s). */
export class FakeRateLimiter {
  redisState = 'closed';
  readonly #decision = new EventEmitter<{ name: string; admitted: boolean; source: string }>();
  readonly #error = new EventEmitter<{ name: string }>();
  readonly onDecision = this.#decision.event;
  readonly onRedisError = this.#error.event;
  constructor(readonly name: string) {}

  decide(admitted: boolean, source = 'redis'): void {
    this.#decision.emit({ name: this.name, admitted, source });
  }

  fail(): void {
    this.#error.emit({ name: this.name });
  }
}

/** An HTTP source and a hedge with the shapes `Metrics.observe` reads (a `@dyno/fetch` origin's). */
export class FakeOrigin {
  readonly #response = new EventEmitter<{ name: string; status: number }>();
  readonly #hedge = new EventEmitter<{ name: string }>();
  readonly #win = new EventEmitter<{ name: string }>();
  readonly http;
  readonly hedge;
  constructor(readonly name: string) {
    this.http = { name, onResponse: this.#response.event };
    this.hedge = { name, onHedge: this.#hedge.event, onWin: this.#win.event };
  }

  answer(...statuses: number[]): void {
    for (const status of statuses) this.#response.emit({ name: this.name, status });
  }

  hedged(won: boolean): void {
    this.#hedge.emit({ name: this.name });
    if (won) this.#win.emit({ name: this.name });
  }
}

/** A cache with the shape `Metrics.observe` reads (`@dyno/cache`'s events), driven by hand. */
export class FakeCache {
  readonly #hit = new EventEmitter<{ name: string }>();
  readonly #miss = new EventEmitter<{ name: string }>();
  readonly #stale = new EventEmitter<{ name: string }>();
  readonly #refresh = new EventEmitter<{ name: string }>();
  readonly #load = new EventEmitter<{ name: string; duration: number; outcome: string }>();
  readonly #error = new EventEmitter<{ name: string; during: string }>();
  readonly onHit = this.#hit.event;
  readonly onMiss = this.#miss.event;
  readonly onStale = this.#stale.event;
  readonly onRefresh = this.#refresh.event;
  readonly onLoad = this.#load.event;
  readonly onError = this.#error.event;
  constructor(readonly name: string) {}

  /** `fresh` hits, then `stale` hits of past-expiry values, each stale one refreshed. */
  hit(fresh: number, stale = 0): void {
    for (let i = 0; i < fresh + stale; i++) this.#hit.emit({ name: this.name });
    for (let i = 0; i < stale; i++) {
      this.#stale.emit({ name: this.name });
      this.#refresh.emit({ name: this.name });
    }
  }

  /** A read that waits for a load ending with `outcome`. */
  miss(outcome = 'success'): void {
    this.#miss.emit({ name: this.name });
    this.#load.emit({ name: this.name, duration: 5, outcome });
  }

  storeError(): void {
    this.#error.emit({ name: this.name, during: 'store' });
  }
}

/** A load shedder with the shape `Metrics.observe` reads (`@dyno/shed`'s), driven by hand. */
export class FakeShedder {
  readonly #admit = new EventEmitter<{ name: string; priority: string }>();
  readonly #shed = new EventEmitter<{ name: string; priority: string; reason: string }>();
  readonly onAdmit = this.#admit.event;
  readonly onShed = this.#shed.event;
  constructor(readonly name: string) {}

  admit(times: number): void {
    for (let i = 0; i < times; i++) this.#admit.emit({ name: this.name, priority: 'sheddable' });
  }

  shed(times: number): void {
    for (let i = 0; i < times; i++) {
      this.#shed.emit({ name: this.name, priority: 'sheddable', reason: 'limit' });
    }
  }
}
