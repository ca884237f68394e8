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
