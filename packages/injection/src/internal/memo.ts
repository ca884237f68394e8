import { type PendingBuild, WaitGraph } from '@dyno/core';

/** The once-only builds in flight of every injected function: who waits on whom (cycles). */
const waits = new WaitGraph<string>();
type Build = PendingBuild<string>;

/** How many builds are open (for tests: the storage is disabled at 0). */
export function buildsInFlight(): number {
  return waits.inFlight;
}

/**
 * The once-only state of one dependency: the value after a successful build, or the build in
 * flight that concurrent callers share. A failed build leaves nothing behind, so the next call
 * tries again.
 */
export class Memo {
  has = false;
  value: unknown;
  #inflight: Promise<unknown> | undefined;
  #build: Build | undefined;
  #generation = 0;
  #starting = false;

  /** @param label `<injected function>.<dependency>`, naming the build in a cycle */
  constructor(readonly label: string) {}

  /**
   * The shared build, started with `start` if none is running. Asked again while `start` runs
   * (its `make` needs, through other calls, its own value) it rejects with `circular()`: the
   * build is not in flight yet, so it would start again, and again, without end. Asked after an
   * `await` in `make` by code that the build waits on, it rejects with `circular(cycle)` too,
   * instead of joining a build that waits for itself.
   */
  get(
    start: () => Promise<unknown>,
    circular: (cycle?: readonly string[]) => unknown,
  ): Promise<unknown> {
    if (this.#inflight !== undefined) {
      const cycle = waits.join(this.#build as Build);
      return cycle === undefined ? this.#inflight : Promise.reject(circular(cycle));
    }
    if (this.#starting) return Promise.reject(circular());
    const generation = this.#generation;
    let started: Promise<unknown>;
    const build = waits.open(this.label);
    this.#starting = true;
    try {
      started = waits.run(build, start);
    } catch (error) {
      waits.close(build);
      throw error;
    } finally {
      this.#starting = false;
    }
    const inflight = started.then(
      (value) => {
        waits.close(build);
        if (generation === this.#generation) {
          this.has = true;
          this.value = value;
          this.#inflight = undefined;
        }
        return value;
      },
      (error: unknown) => {
        waits.close(build);
        if (generation === this.#generation) this.#inflight = undefined;
        throw error;
      },
    );
    this.#inflight = inflight;
    this.#build = build;
    return inflight;
  }

  /** Forgets the value and detaches any build in flight (its result will not be kept). */
  reset(): void {
    this.#generation++;
    this.has = false;
    this.value = undefined;
    this.#inflight = undefined;
    // nobody joins a detached build: its `make`'s code is no build any more (see `WaitGraph` in @dyno/core)
    if (this.#build !== undefined) waits.close(this.#build);
  }
}
