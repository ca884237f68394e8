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
