import type { Clock, TimerHandle } from './clock.js';
import { reportListenerError } from './report.js';
import { describeFailure, format } from './validate.js';

/**
 * `clock` itself when it says it is steady (`Clock.steady`: `systemClock`, a clock made here, a
 * composite's clock over one), else a clock over it whose `now()` always answers a finite number
 * that never goes down. Read once here: a clock whose `now()` throws or reads no finite number
 * when the policy is built (`performance.now` taken off its object, a `now` that answers a
 * string) is refused with a `TypeError` naming the option `clock` of `pkg`. Later:
 * - a reading that throws, or that is not a finite number (`NaN`, `undefined`, a string,
 *   `Infinity`), counts as no time passed: the last answer is answered again, and the first bad
 *   reading of a run is reported (`reportListenerError`, as `<pkg> "<name>" clock`, or
 *   `<pkg> clock` without a name);
 * - a reading below the last one (a wall clock stepped back) counts as no time passed, and later
 *   readings go on from there: time runs on at the clock's pace, a step back is never waited out;
 * - a reading back at or past where the clock stood before it stepped back undoes the step: it
 *   is no jump, so a clock flipping between two sources a day apart does not run a day fast
 *   per pair of readings (time goes on from the later of the last answer and that reading, so
 *   a stepped-back clock that ran on there loses the stretch since it was last read);
 * - any other jump forwards is taken as time that passed (it cannot be told apart from a long
 *   pause).
 * Timers are the clock's own. A policy reads its clock where a throw or a `NaN` would leave a
 * slot taken, a circuit open for good, a call unsettled or a timer armed for `NaN` ms (which
 * Node fires after 1 ms, over and over).
 * @param pkg the package, as errors and reports name it (`'@dyno/pool'`)
 * @param name the instance, as reports name it
 * @throws TypeError when `clock.now()` throws or reads no finite number now
 */
export function steadyClock(clock: Clock, pkg: string, name?: string): Clock {
  // a steady clock already (a policy handing its clock to a part it builds) is kept as it is
  if (isSteady(clock)) return clock;
  let first: unknown;
  try {
    first = clock.now();
  } catch (error) {
    // `{ now: performance.now }` throws "Illegal invocation" on every call
    const hint = isTypeError(error) ? ' (a `now` taken off its object must be bound to it)' : '';
    throw new TypeError(
      `${pkg}: option \`clock\` must read the time, but its now() failed: ${describeFailure(error)}${hint}`,
      { cause: error },
    );
  }
  if (!isTime(first)) {
    throw new TypeError(
      `${pkg}: option \`clock\` must have a now() that returns a finite number of ms; it returned ${format(first)}`,
    );
  }
  return new SteadyClock(clock, pkg, name, first);
}

/** Whether `clock` says it is steady (`Clock.steady`); a getter that throws says it is not. */
function isSteady(clock: Clock): boolean {
  try {
    return clock.steady === true;
  } catch {
    return false;
  }
}

// by its name, so that one from another realm counts (a `performance` of the host in a VM)
function isTypeError(error: unknown): boolean {
  try {
    return typeof error === 'object' && error !== null && (error as Error).name === 'TypeError';
  } catch {
    return false; // a revoked proxy
  }
}

const isTime = (reading: unknown): reading is number =>
  typeof reading === 'number' && Number.isFinite(reading);

// A class, not closures: every policy with a clock of its own holds one (about 40 bytes), and
// the text naming it is made only when it reports.
class SteadyClock implements Clock {
  get steady(): boolean {
    return true;
  }

  readonly #clock: Clock;
  readonly #pkg: string;
  readonly #name: string | undefined;
  // the last answer, and what is added to a reading to go on from it after a step back
  #last: number;
  #offset = 0;
  // while a step back is not undone: the reading it stepped back from, and the offset before it
  #stepFrom = Number.POSITIVE_INFINITY;
  #offsetBefore = 0;
  // the last reading was bad: a run of bad readings is reported once
  #bad = false;

  constructor(clock: Clock, pkg: string, name: string | undefined, first: number) {
    this.#clock = clock;
    this.#pkg = pkg;
    this.#name = name;
    this.#last = first;
  }

  now(): number {
    let reading: unknown;
    try {
      reading = this.#clock.now();
    } catch (error) {
      return this.#standStill(error);
    }
    if (!isTime(reading)) {
      return this.#standStill(
        new TypeError(
          `${this.#source()}: now() must return a finite number of ms; received ${format(reading)}`,
        ),
      );
    }
    this.#bad = false;
    if (reading >= this.#stepFrom) return this.#stepUndone(reading);
    const time = reading + this.#offset;
    if (time >= this.#last) {
      this.#last = time;
      return time;
    }
    // a step back: remember where from (the first one, when it steps back again before that)
    if (this.#stepFrom === Number.POSITIVE_INFINITY) {
      this.#stepFrom = this.#last - this.#offset;
      this.#offsetBefore = this.#offset;
    }
    this.#offset = this.#last - reading;
    return this.#last;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.#clock.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#clock.clearTimeout(handle);
  }

  /**
   * The clock reads again where it stood before it stepped back: the time it ran on since then
   * counts (never less than answered already), the way back up does not.
   */
  #stepUndone(reading: number): number {
    const time = Math.max(this.#last, reading + this.#offsetBefore);
    this.#offset = time - reading;
    this.#stepFrom = Number.POSITIVE_INFINITY;
    this.#last = time;
    return time;
  }

  #standStill(failure: unknown): number {
    if (!this.#bad) {
      this.#bad = true;
      reportListenerError(failure, this.#source());
    }
    return this.#last;
  }

  #source(): string {
    const name = this.#name;
    return name === undefined ? `${this.#pkg} clock` : `${this.#pkg} ${JSON.stringify(name)} clock`;
  }
}
