import { DependencyError, inject } from '@dyno/injection';

/** Uses @dyno/injection: parallel builds, a timeout with a fallback, and a failing dependency. */
export async function use() {
  const handler = inject(
    {
      a: async () => 1,
      b: {
        make: ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        timeout: 5,
        fallback: 2,
      },
    },
    ({ a, b }, c) => a + b + c,
  );
  if ((await handler(3)) !== 6) throw new Error('wrong sum');
  const failing = inject({ x: () => Promise.reject(new Error('down')) }, () => 0);
  const error = await failing().catch((e) => e);
  if (!DependencyError.isInstance(error)) throw new Error('expected a DependencyError');
}
