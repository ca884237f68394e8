import { reportListenerError } from '@dyno/core';

// Transitions that listeners may make while one is being emitted before the rest are dropped:
// listeners that answer every transition with another (`close()` on `disabled`, `disable()` on
// `closed`) would otherwise loop for good, where nested emits ended in a stack overflow.
const MAX_QUEUED = 1_000;

/**
 * Runs the emits of state transitions one transition after another. A listener that makes a
 * transition while another one is being emitted (`close()` in an `onBreak` listener) has that
 * transition's emits queued behind the current ones, so every listener sees the transitions in
 * the order they happened, and the last one it sees is the current state.
 */
export class EmitQueue {
  readonly #name: string;
  #queued: (() => void)[] | undefined;

  /**
   * `name` is the breaker's or fuse's, to name it when listeners loop
   * (`@dyno/breaker "db" onStateChange`); the text is made only then.
   */
  constructor(name: string) {
    this.#name = name;
  }

  /** Runs `emits` now, or after the emits under way when called from one of their listeners. */
  run(emits: () => void): void {
    if (this.#queued !== undefined) {
      this.#queued.push(emits);
      return;
    }
    const queued: (() => void)[] = [];
    this.#queued = queued;
    try {
      emits();
      for (let i = 0; i < queued.length; i++) {
        if (i === MAX_QUEUED) {
          const loop = new RangeError(
            `listeners made over ${MAX_QUEUED} state changes while one was emitted; the events of the others were dropped`,
          );
          reportListenerError(loop, `@dyno/breaker "${this.#name}" onStateChange`);
          break;
        }
        (queued[i] as () => void)();
      }
    } finally {
      this.#queued = undefined;
    }
  }
}
