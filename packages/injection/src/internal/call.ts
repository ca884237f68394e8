import { abortReason, type Clock, onAbort } from '@dyno/core';
import { CircularDependencyError, DependencyError } from '../errors.js';
import { build, type Normalised } from './build.js';
import { discard } from './discard.js';
import type { Memo } from './memo.js';

/** What every call of one injected function shares. */
export interface Plan {
  readonly deps: readonly Normalised[];
  /** The once-only state per dependency (`undefined` for a per-call one). */
  readonly memos: readonly (Memo | undefined)[];
  readonly clock: Clock;
  /** The injected function's name, the `source` of its errors. */
  readonly name: string;
}

/**
 * Builds what the caller did not supply, then calls `finish(values)`. The first dependency that
 * fails without a fallback fails the call at once with a `DependencyError` naming it; so does the
 * caller's abort, with its reason. Either way the per-call builds still running are aborted (their
 * signal's reason is the call's error), and every per-call value built for the call, now or
 * later, goes to its dependency's `dispose`. Once-only values stay cached; supplied values and
 * fallbacks belong to someone else.
 */
export function buildAll<R>(
  plan: Plan,
  supplied: Readonly<Record<string, unknown>> | undefined,
  signal: AbortSignal | undefined,
  finish: (values: Record<string, unknown>) => R,
): Promise<R> {
  const { deps, memos, clock, name } = plan;
  return new Promise<R>((resolve, reject) => {
    const values: Record<string, unknown> = {};
    const todo: number[] = [];
    let perCall = 0;
    for (let i = 0; i < deps.length; i++) {
      const dep = deps[i] as Normalised;
      // own fields only: every object inherits `toString` and `constructor`, supplied or not
      const given =
        supplied !== undefined && Object.hasOwn(supplied, dep.name)
          ? supplied[dep.name]
          : undefined;
      const memo = memos[i];
      if (given !== undefined) values[dep.name] = given;
      else if (memo?.has) values[dep.name] = memo.value;
      else {
        todo.push(i);
        if (memo === undefined) perCall++;
      }
    }
    let pending = todo.length;
    let over = false;
    // per-call values in `values`, disposed if the call gives up before `finish`
    const built: Normalised[] = [];
    // siblings need a signal of their own only when one build's failure can doom another
    const controller = perCall > 0 && todo.length > 1 ? new AbortController() : undefined;
    const buildSignal = controller === undefined ? signal : controller.signal;

    const done = (): void => {
      over = true;
      link.dispose();
      try {
        resolve(finish(values));
      } catch (error) {
        reject(error);
      }
    };
    const giveUp = (error: unknown): void => {
      over = true;
      link.dispose();
      reject(error);
      controller?.abort(error);
      for (const dep of built) discard(dep, values[dep.name]);
    };
    const link = onAbort(signal, () => giveUp(abortReason(signal as AbortSignal)));

    for (const i of todo) {
      if (over) break; // a `make` aborted the caller's signal synchronously
      const dep = deps[i] as Normalised;
      const memo = memos[i];
      const building =
        memo === undefined
          ? build(dep, buildSignal, clock, name, discard)
          : memo.get(
              () => build(dep, undefined, clock, name, discard),
              (cycle) => new CircularDependencyError(dep.name, name, cycle),
            );
      building.then(
        (value) => {
          if (over) {
            if (memo === undefined) discard(dep, value);
            return;
          }
          values[dep.name] = value;
          if (memo === undefined) built.push(dep);
          if (--pending === 0) done();
        },
        (error: unknown) => {
          if (over) return;
          if (!dep.hasFallback) {
            giveUp(new DependencyError([{ name: dep.name, error }], name));
            return;
          }
          values[dep.name] = dep.fallback;
          if (--pending === 0) done();
        },
      );
    }
    if (pending === 0 && !over) done();
  });
}
