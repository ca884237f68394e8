// p-limit: a concurrency limit with an unbounded queue (the bulkhead scenario only).
import pLimit from 'p-limit';

export const library = 'p-limit';
export const packages = ['p-limit'];

export async function load() {
  return {
    caps: {
      bulkhead(fn, limit) {
        const limited = pLimit(limit);
        return () => limited(fn);
      },
    },
    notes: { bulkhead: 'unbounded queue' },
  };
}
