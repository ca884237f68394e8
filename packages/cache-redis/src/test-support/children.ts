import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * Forks `child.mjs` once per argument list, starts them all at the same moment (100 ms after the
 * last is ready) and answers each one's report (its last message). Rejects if one exits without
 * it.
 */
export async function runChildren<R>(argLists: readonly (readonly unknown[])[]): Promise<R[]> {
  const children: ChildProcess[] = [];
  const ready: Promise<unknown>[] = [];
  const done: Promise<R>[] = [];
  for (const args of argLists) {
    const child = fork(join(__dirname, 'child.mjs'), args.map(String), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    const messages: unknown[] = [];
    ready.push(new Promise((r) => child.once('message', r)));
    done.push(
      new Promise((resolve, reject) => {
        child.on('message', (m) => messages.push(m));
        // 'close', not 'exit': on a loaded machine 'exit' can come before the last message
        child.once('close', (status) => {
          const last = messages.at(-1);
          if (status === 0 && typeof last === 'object' && last !== null && 'lease' in last) {
            resolve(last as R);
          } else reject(new Error(`child exited ${status} without its report`));
        });
      }),
    );
  }
  await Promise.all(ready);
  const start = Date.now() + 100;
  for (const child of children) child.send({ start });
  return Promise.all(done);
}
