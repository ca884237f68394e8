import type { Clock } from '@dyno/core';
import { seededRandom } from '@dyno/core/testing';

/** The timers the dependency waits on: the manual clock's, or the real ones. */
export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

/** What the dependency saw, for the reconciliation. */
export interface DependencyCounts {
  /** Calls that reached the dependency's own body (past `@dyno/chaos`). */
  entered: number;
  /** Calls whose body ended (settled its promise). */
  ended: number;
  /** Calls answered normally (within a few ms, or on their signal). */
  normal: number;
  /** Calls that ignored their signal and failed long after the deadline. */
  deafHang: number;
  /** Calls that ignored their signal and answered a value after the deadline. */
  late: number;
  /** Calls that ignored their signal and never settle. */
  forever: number;
  /** The most bodies running at once. */
  maxInside: number;
}

/** The dependency: `fn` for the service, `counts` for the ledger, `isLate` for the answers. */
export interface Dependency {
  readonly fn: (context: { signal: AbortSignal }) => Promise<string>;
  readonly counts: DependencyCounts;
  /** Whether an answer came from a call that ignored its signal past the deadline. */
  isLate(answer: string): boolean;
  /** The attempt number an answer came from. */
  attemptOf(answer: string): number;
}

export interface DependencyShape {
  /** The service's deadline per attempt, in ms. */
  readonly timeout: number;
  /** Share of calls that ignore their signal and fail 3 to 15 deadlines later. */
  readonly deafHangRate: number;
  /** Share of calls that ignore their signal and answer after the deadline. */
  readonly lateRate: number;
  /** A late answer comes `lateBy` to `lateBy + 1.5` deadlines after the call started. */
  readonly lateBy: number;
  /** How many of the deaf calls never settle at all (the first few, spread over the run). */
  readonly forever: number;
}

/**
 * The soak's dependency, below `@dyno/chaos` (whose faults all end on the call's signal): most
 * calls answer at once or within a few ms, and stop at once when their signal aborts; a share
 * ignore their signal. Every answer names its attempt (`ok:<n>` or `late:<n>`), so the caller's
 * side can tell which attempt answered it, how often, and whether a late one got through.
 */
export function makeDependency(timers: Timers, seed: number, shape: DependencyShape): Dependency {
  const work = seededRandom(seed + 5);
  const deaf = seededRandom(seed + 6);
  const counts: DependencyCounts = {
    entered: 0,
    ended: 0,
    normal: 0,
    deafHang: 0,
    late: 0,
    forever: 0,
    maxInside: 0,
  };
  let inside = 0;
  let next = 0;
  const end = () => {
    inside--;
    counts.ended++;
  };
  const after = <T>(ms: number, settle: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      timers.setTimeout(() => {
        try {
          resolve(settle());
        } catch (error) {
          reject(error);
        }
      }, ms),
    );

  const fn = async ({ signal }: { signal: AbortSignal }): Promise<string> => {
    const attempt = ++next;
    counts.entered++;
    inside++;
    if (inside > counts.maxInside) counts.maxInside = inside;
    const draw = deaf();
    if (draw < shape.deafHangRate) {
      counts.deafHang++;
      // the first few deaf calls, one every 40, hang for good: their slots must not stay taken
      if (counts.forever < shape.forever && counts.deafHang % 40 === 1) {
        counts.forever++;
        return new Promise<string>(() => {});
      }
      const ms = shape.timeout * (3 + deaf() * 12);
      return after(ms, () => {
        end();
        throw new Error(`deaf call ${attempt} failed after ${Math.round(ms)} ms`);
      });
    }
    if (draw < shape.deafHangRate + shape.lateRate) {
      counts.late++;
      const ms = shape.timeout * (shape.lateBy + deaf() * 1.5);
      return after(ms, () => {
        end();
        return `late:${attempt}`;
      });
    }
    counts.normal++;
    try {
      if (signal.aborted) throw signal.reason;
      // a fifth of the calls take a few ms, so that calls overlap inside the dependency too
      if (work() < 0.2) {
        await new Promise<void>((resolve) => timers.setTimeout(resolve, 1 + work() * 3));
      }
      return `ok:${attempt}`;
    } finally {
      end();
    }
  };

  return {
    fn,
    counts,
    isLate: (answer) => answer.startsWith('late:'),
    attemptOf: (answer) => Number(answer.slice(answer.indexOf(':') + 1)),
  };
}
