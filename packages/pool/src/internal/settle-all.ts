import { type ExecuteContext, type ExecuteOptions, format } from '@dyno/core';

/** What `settleAll` runs its tasks through: a `Pool`, seen structurally to keep imports one-way. */
export interface Executor {
  readonly concurrency: number;
  execute(fn: (context: ExecuteContext) => unknown, options?: ExecuteOptions): Promise<unknown>;
}

/**
 * `Pool.all`: runs `tasks` through `executor.execute` on at most `concurrency` lanes, each taking
 * the next task when its previous one settles, so on an idle pool no task waits in the queue.
 * Results come back in task order, like `Promise.allSettled`.
 */
export async function settleAll(
  executor: Executor,
  tasks: Iterable<(context: ExecuteContext) => unknown>,
  options: ExecuteOptions | undefined,
): Promise<PromiseSettledResult<unknown>[]> {
  // `Array.from` would take 5 for no task, and a string for one task per character
  if (typeof tasks !== 'object' || tasks === null || !(Symbol.iterator in tasks)) {
    throw new TypeError(
      `@dyno/pool: \`tasks\` must be an array of tasks; received ${format(tasks)}`,
    );
  }
  const list = Array.from(tasks);
  const results: PromiseSettledResult<unknown>[] = new Array(list.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < list.length) {
      const index = next++;
      try {
        const value = await executor.execute(list[index]!, options);
        results[index] = { status: 'fulfilled', value };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = Math.min(executor.concurrency, list.length); i > 0; i--) lanes.push(lane());
  await Promise.all(lanes);
  return results;
}
