import { DynoError, EventEmitter, sleep } from '@dyno/core';

/** Uses @dyno/core: an event, an abortable sleep, and an aborted one. */
export async function use() {
  const emitter = new EventEmitter();
  const sub = emitter.event(() => {});
  emitter.emit(1);
  sub.dispose();
  await sleep(5);
  const controller = new AbortController();
  const pending = sleep(60_000, { signal: controller.signal });
  controller.abort(new DynoError('DYNO_CANCELLED', 'stop'));
  await pending.catch(() => {});
}
