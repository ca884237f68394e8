// p-retry: retry only.
import pRetry from 'p-retry';

export const library = 'p-retry';
export const packages = ['p-retry'];

export async function load() {
  return {
    caps: {
      retry(fn) {
        return () => pRetry(fn, { retries: 2 });
      },
    },
    notes: {},
  };
}
