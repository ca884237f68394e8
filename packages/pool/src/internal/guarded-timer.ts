import { type Clock, systemClock, type TimerHandle } from '@dyno/core';

// tolerance when comparing clock times computed by subtraction
const EPSILON = 1e-6;

/** A timer handle that can stop holding the process open (Node's `Timeout`). */
interface Unrefable {
  ref(): unknown;
  unref(): unknown;
}

const isUnrefable = (handle: TimerHandle): handle is Unrefable =>
  typeof handle === 'object' &&
  handle !== null &&
  typeof (handle as Unrefable).unref === 'function' &&
  typeof (handle as Unrefable).ref === 'function';

/**
 * The one clock timer that serves an ordered list of deadlines (the running tasks of a timed pool,
 * or a pool's queue). `work(now)` handles everything due and answers the ms until the next
 * deadline, or `undefined` when nothing is left.
 *
 * Re-entrancy guard: `work` runs user code (abort listeners, `onTimeout`, `onReject`) that may
 * add deadlines. While it runs, `ensure` does nothing, and the timer is armed once afterwards from
 * what `work` answers (it reads the list after every change, so a deadline added meanwhile is
 * counted). Without the guard, a listener would arm a second timer whose handle the re-arm then
 * overwrites: an orphaned timer, pending after the list drained.
 *
 * With `keepIdle`, a handle with `ref`/`unref` (Node's timers) is kept but unref'd when the list
 * empties, and ref'd again by the next deadline: strictly sequential calls then cost two flag flips
 * instead of a `setTimeout` + `clearTimeout` pair each. Any other handle is cleared at once.
 */
export class GuardedTimer {
  readonly #clock: Clock;
  readonly #work: (now: number) => number | undefined;
  readonly #keepIdle: boolean;
  #timer: TimerHandle | undefined = undefined;
  // the clock time the pending timer fires at (read only while `#timer` is set)
  #due = 0;
  // `#work` is running: `ensure` leaves the arming to `#fire`
  #firing = false;
  // the handle is kept while idle (unrefable and keepIdle), and whether it holds the process now
  #keepable = false;
  #refed = false;

  constructor(options: {
    readonly clock: Clock;
    /** Handles everything due at `now`; answers the ms until the next deadline, if any. */
    readonly work: (now: number) => number | undefined;
    /** Keep an unrefable handle (unref'd) while nothing is due, rather than clearing it. */
    readonly keepIdle: boolean;
  }) {
    this.#clock = options.clock;
    this.#work = options.work;
    this.#keepIdle = options.keepIdle;
  }

  /** Something is due at clock time `due` (`now` is the time now): make the timer fire by then. */
  ensure(due: number, now: number): void {
    if (this.#firing) return;
    const timer = this.#timer;
    if (timer !== undefined) {
      if (due >= this.#due - EPSILON) {
        if (!this.#refed) {
          (timer as Unrefable).ref();
          this.#refed = true;
        }
        return;
      }
      this.#clock.clearTimeout(timer);
    }
    this.#arm(due - now, now);
  }

  /** Nothing is due any more: let go of the timer (see the class comment). */
  idle(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    if (this.#keepable) {
      if (this.#refed) {
        (timer as Unrefable).unref();
        this.#refed = false;
      }
      return;
    }
    this.#timer = undefined;
    this.#clock.clearTimeout(timer);
  }

  #arm(delay: number, now: number): void {
    const timer = this.#clock.setTimeout(this.#fire, delay);
    this.#timer = timer;
    this.#due = now + delay;
    this.#keepable = this.#keepIdle && isUnrefable(timer);
    this.#refed = true;
  }

  // an arrow function: the timer calls it without `this`
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#firing = true;
    // A clock of the user's own may stand still (a run of bad readings) or have been set back:
    // the timer fired, so its time has come, or waiting for that clock would re-arm the timer
    // for ever. The system clock is monotonic: a timer of its that fires early re-arms for the
    // rest, so no deadline comes before its time.
    const read = this.#clock.now();
    const now = this.#clock === systemClock ? read : Math.max(read, this.#due);
    // should `work` ever throw, look again at once rather than leave deadlines without a timer
    let next: number | undefined = 0;
    try {
      next = this.#work(now);
    } finally {
      this.#firing = false;
      if (next !== undefined) this.#arm(next, now);
    }
  };
}
