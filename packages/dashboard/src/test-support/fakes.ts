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
  readonly onView = this.#view.event;
  constructor(readonly name: string) {}

  see(change: Partial<FakeFleetCircuit['view']>): void {
    this.view = { ...this.view, ...change };
    this.#view.emit({ name: this.name, ...this.view });
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
