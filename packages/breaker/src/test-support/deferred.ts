// Helpers for the tests; test-support/ is left out of the build.
export { type Deferred, deferred } from '@dyno/core/testing';

export const ok = (): Promise<string> => Promise.resolve('ok');
export const fail = (): Promise<never> => Promise.reject(new Error('boom'));
