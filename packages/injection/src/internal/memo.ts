/**
 * The once-only state of one dependency: the value after a successful build, or the build in
 * flight that concurrent callers share. A failed build leaves nothing behind, so the next call
 * tries again.
 */
export class Memo {
  has = false;
  value: unknown;
  #inflight: Promise<unknown> | undefined;
  #generation = 0;
  #starting = false;

  /**
   * The shared build, started with `start` if none is running. Asked again while `start` runs
   * (its `make` needs, through other calls, its own value) it rejects with `circular()`: the
   * build is not in flight yet, so it would start again, and again, without end.
   */
  get(start: () => Promise<unknown>, circular: () => unknown): Promise<unknown> {
    if (this.#inflight !== undefined) return this.#inflight;
    if (this.#starting) return Promise.reject(circular());
    const generation = this.#generation;
    let started: Promise<unknown>;
    this.#starting = true;
    try {
      started = start();
    } finally {
      this.#starting = false;
    }
    const inflight = started.then(
      (value) => {
        if (generation === this.#generation) {
          this.has = true;
          this.value = value;
          this.#inflight = undefined;
        }
        return value;
      },
      (error: unknown) => {
        if (generation === this.#generation) this.#inflight = undefined;
        throw error;
      },
    );
    this.#inflight = inflight;
    return inflight;
  }

  /** Forgets the value and detaches any build in flight (its result will not be kept). */
  reset(): void {
    this.#generation++;
    this.has = false;
    this.value = undefined;
    this.#inflight = undefined;
  }
}
