import { runInThisContext } from 'node:vm';
import { ConstantBackoff } from '@dyno/retry';

/** A retry that retries at once, so tests need no clock for backoffs. */
export const quickRetry = (attempts = 3) => ({
  attempts,
  backoff: new ConstantBackoff({ delay: 0 }),
});

/** A breaker that opens after `failures` consecutive failures. */
export const tripAfter = (failures: number, openDuration = 1000) => ({
  strategy: { kind: 'consecutive-failures' as const, failures },
  openDuration,
});

// jest hands each test file a copy of `process`; `unhandledRejection` reaches the real one only
const realProcess = runInThisContext('process') as NodeJS.Process;

/** Collects unhandled rejections while a test runs (on the real `process`, so it can fail). */
export function watchUnhandled(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  realProcess.on('unhandledRejection', listener);
  return { seen, stop: () => realProcess.off('unhandledRejection', listener) };
}

/** Lets every pending promise callback and `setImmediate` run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
