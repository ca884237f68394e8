// A real process whose user callbacks throw: a harness logger, an event listener and an abort
// listener. Each used to end the process with exit code 1 before the caller's catch ran.
import { addAbortListener, EventEmitter } from '@dyno/core';
import { harness } from '@dyno/harness';

const logger = {
  error() {
    throw new Error('log transport closed');
  },
};
const boom = new Error('boom');
const load = harness(async () => Promise.reject(boom), { name: 'load', logger });
try {
  await load();
} catch (error) {
  console.log(error === boom ? 'caught the original error' : 'caught something else');
}

const emitter = new EventEmitter('@dyno/integration onThing');
emitter.event(() => {
  throw new Error('listener bug');
});
emitter.emit(1);
console.log('emit returned');

const controller = new AbortController();
addAbortListener(controller.signal, () => {
  throw new Error('abort listener bug');
});
controller.abort();
console.log('abort returned');

await new Promise((resolve) => setTimeout(resolve, 10));
console.log('still alive');
